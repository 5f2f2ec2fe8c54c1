-- :checkhealth airules — the binary and its version, the workspace root, and
-- the state of each server (running, or exited and why).
local M = {}

-- 0.10 moved the reporters to vim.health.{start,ok,...}; 0.7 .. 0.9 have
-- require('health').report_{start,ok,...}.
local health = vim.health or require('health')
local start = health.start or health.report_start
local ok = health.ok or health.report_ok
local warn = health.warn or health.report_warn
local report_error = health.error or health.report_error
local info = health.info or health.report_info

local install_advice = {
  'Build it from a clone of airules: `go install ./cmd/airules` (puts it in $(go env GOPATH)/bin)',
  'or point the plugin at it: require("airules").setup({ cmd = { "/path/to/airules", "serve" } })',
}

local function log_advice()
  local config = require('airules.config').values
  if config.log_file then
    return { 'The server logs to ' .. config.log_file }
  end
  local path = vim.lsp.get_log_path and vim.lsp.get_log_path()
  return { 'Its stderr is in the LSP log' .. (path and (': ' .. path) or ' (:lua vim.cmd.edit(vim.lsp.get_log_path()))') }
end

local function check_binary(cmd)
  if type(cmd) ~= 'table' then
    info('cmd is a function: the binary is not checked')
    return
  end
  local path = vim.fn.exepath(cmd[1])
  if path == '' then
    report_error(('the airules binary %q is not executable or not on PATH'):format(cmd[1]), install_advice)
    return
  end
  ok(('binary: %s (cmd: %s)'):format(path, table.concat(cmd, ' ')))
  local out = vim.fn.system({ path, 'version' })
  local first = vim.trim(out):match('[^\n]*') or ''
  if vim.v.shell_error == 0 and first ~= '' then
    ok('version: ' .. first)
  else
    warn(('`%s version` failed (status %d): %s'):format(path, vim.v.shell_error, first), {
      'Is it the airules language server? Rebuild it from a clone: `go install ./cmd/airules`',
    })
  end
end

-- The file the user was in before :checkhealth opened its own buffer, else the cwd.
local function where()
  local alt = vim.fn.bufnr('#')
  if alt > 0 then
    local path = require('airules.buffers').file_path(alt)
    if path then
      return path, 'the file ' .. path
    end
  end
  return vim.fn.getcwd(), 'the working directory'
end

local function check_root()
  local path, what = where()
  local dir, has_rules = require('airules.config').root(path)
  if dir and has_rules then
    ok(('workspace root of %s: %s'):format(what, dir))
  elseif dir then
    warn(('no rule files above %s; its repository root is %s'):format(what, dir), {
      'The server starts only where rule files are (.ai-rules/, .cursor/rules/, AGENTS.md, ...),',
      'or with setup({ attach_without_rules = true }).',
    })
  else
    info(('%s is in no workspace with rule files'):format(what))
  end
end

local function check_servers()
  local lsp = require('airules.lsp')
  local events = require('airules.events')
  local clients = lsp.clients()
  for _, client in ipairs(clients) do
    local state = client.initialized and 'running' or 'starting'
    ok(('server %d %s for %s; last indexChanged generation: %s'):format(
      client.id,
      state,
      tostring(lsp.root_of(client)),
      tostring(events.generation(client.id) or 'none yet')
    ))
  end
  for _, exit in ipairs(events.exits()) do
    local how = ('exit code %s'):format(tostring(exit.code))
    if exit.signal and exit.signal ~= 0 then
      how = how .. (', signal %s'):format(tostring(exit.signal))
    end
    local msg = ('server %d for %s exited (%s)'):format(exit.client_id, tostring(exit.root), how)
    if exit.code == 0 and (exit.signal == 0 or exit.signal == 15 or exit.signal == nil) then
      info(msg)
    else
      local advice = log_advice()
      table.insert(advice, 'Reopen a file of the workspace (:edit) to start it again.')
      report_error(msg, advice)
    end
  end
  if #clients == 0 and #events.exits() == 0 then
    info('no airules server has started yet (it starts when a file of a workspace with rule files is opened)')
  end
end

function M.check()
  start('airules')
  local lsp = require('airules.lsp')
  if vim.fn.has('nvim-0.7') == 1 then
    local v = vim.version()
    ok(('Neovim %d.%d.%d, clients start with %s'):format(v.major, v.minor, v.patch, lsp.mode()))
  else
    report_error('Neovim 0.7 or newer is required')
  end
  local config = require('airules.config').values
  check_binary(config.cmd)
  check_root()
  if config.max_tokens then
    info(('max_tokens: %d (set in setup())'):format(config.max_tokens))
  else
    info("max_tokens: the server's default")
  end
  check_servers()
end

return M
