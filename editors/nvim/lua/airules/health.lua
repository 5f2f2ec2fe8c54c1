-- :checkhealth airules
local M = {}

-- 0.10 moved the reporters to vim.health.{start,ok,...}; 0.7 .. 0.9 have
-- require('health').report_{start,ok,...}.
local health = vim.health or require('health')
local start = health.start or health.report_start
local ok = health.ok or health.report_ok
local warn = health.warn or health.report_warn
local report_error = health.error or health.report_error
local info = health.info or health.report_info

function M.check()
  start('airules')
  local airules = require('airules')
  local lsp = require('airules.lsp')
  if vim.fn.has('nvim-0.7') == 1 then
    local v = vim.version()
    ok(('Neovim %d.%d.%d, clients start with %s'):format(v.major, v.minor, v.patch, lsp.mode()))
  else
    report_error('Neovim 0.7 or newer is required')
  end

  local cmd = airules.config.cmd
  if type(cmd) == 'table' then
    if vim.fn.executable(cmd[1]) == 1 then
      local version = vim.trim(vim.fn.system({ cmd[1], 'version' })):match('[^\n]*')
      ok(cmd[1] .. ' is executable' .. (vim.v.shell_error == 0 and version ~= '' and ': ' .. version or ''))
    else
      report_error(cmd[1] .. ' is not executable', { 'Install airules, or set cmd in require("airules").setup()' })
    end
  end

  -- :checkhealth shows its report in a buffer of its own: go by the cwd.
  local cwd = vim.fn.getcwd()
  local dir, has_rules = airules.root(cwd)
  if dir and has_rules then
    ok('workspace root of the working directory: ' .. dir)
  elseif dir then
    warn('no rule files found above the working directory; its repository root is ' .. dir)
  else
    info('the working directory is in no workspace with rule files')
  end
  local clients = lsp.clients()
  if #clients == 0 then
    info('no airules server running')
  end
  for _, client in ipairs(clients) do
    local generation = airules.generation(client.id) or 'none yet'
    ok(('server %d for %s, last indexChanged generation: %s'):format(
      client.id,
      tostring(lsp.root_of(client)),
      tostring(generation)
    ))
  end
end

return M
