-- Starting the server and attaching buffers: which buffers get a client, with
-- which configuration, and the client a command should talk to.
local buffers = require('airules.buffers')
local codelens = require('airules.codelens')
local config = require('airules.config')
local events = require('airules.events')
local lsp = require('airules.lsp')
local root = require('airules.root')
local status = require('airules.status')

local M = {}

--- Handlers for the server's own notifications. Client configs made by this
--- plugin carry them; add them to configs you write yourself.
function M.handlers()
  return { ['airules/indexChanged'] = events.on_index_changed }
end

local function on_attach(client, bufnr)
  status.refresh(bufnr)
  codelens.attach(client, bufnr)
  if config.values.on_attach then
    config.values.on_attach(client, bufnr)
  end
end

--- The client configuration for a workspace `root_dir`, as passed to
--- vim.lsp.start() (0.8+) or vim.lsp.start_client() (0.7).
function M.client_config(root_dir)
  return {
    name = lsp.name,
    cmd = config.values.cmd,
    cmd_env = config.values.cmd_env,
    root_dir = root_dir,
    init_options = config.init_options(),
    capabilities = config.values.capabilities,
    get_language_id = config.language_id,
    handlers = M.handlers(),
    on_attach = on_attach,
    on_exit = function(code, signal, client_id)
      events.on_exit(code, signal, client_id, root_dir)
    end,
  }
end

--- A configuration for Neovim 0.11's vim.lsp.config(); `lsp/airules.lua`
--- returns it, so `vim.lsp.enable('airules')` is all a 0.11 user needs.
function M.lsp_config()
  local c = M.client_config(nil)
  c.name = nil -- vim.lsp.config names it after its key
  c.root_dir = function(bufnr, on_dir)
    local path = buffers.file_path(bufnr)
    local dir, has_rules = config.root(path)
    if dir and (has_rules or config.values.attach_without_rules) then
      on_dir(dir)
    end
  end
  return c
end

local warned_cmd = false

-- Records what attach() decided for a buffer in b:airules_attach: "attached",
-- "no workspace" (no rule files above it) or "not executable" (the cmd). It is
-- set before attach() returns, so a test or a statusline can wait for it.
local function decided(bufnr, decision)
  vim.api.nvim_buf_set_var(bufnr, 'airules_attach', decision)
end

--- Starts or reuses the server for the workspace of `bufnr` and attaches the
--- buffer. With `force`, a `.git` root without rule files is good enough.
--- Returns the client id, or nil when the buffer is not in such a workspace.
function M.attach(bufnr, force)
  bufnr = buffers.resolve(bufnr)
  local path = buffers.file_path(bufnr)
  if not path or not vim.api.nvim_buf_is_loaded(bufnr) then
    return nil
  end
  local dir, has_rules = config.root(path)
  if not has_rules then
    -- A file in a nested repository (vendored code, a submodule) belongs to
    -- the workspace around it when a server already runs for that one.
    for _, client in ipairs(lsp.clients()) do
      if root.contains(lsp.root_of(client), path) then
        vim.lsp.buf_attach_client(bufnr, client.id)
        decided(bufnr, 'attached')
        return client.id
      end
    end
    if not dir or not (force or config.values.attach_without_rules) then
      decided(bufnr, 'no workspace')
      return nil
    end
  end
  local cmd = config.values.cmd
  if type(cmd) == 'table' and vim.fn.executable(cmd[1]) == 0 then
    if not warned_cmd then
      warned_cmd = true
      vim.notify(
        ('airules: %q is not executable; install airules or set `cmd` in setup()'):format(cmd[1]),
        vim.log.levels.WARN
      )
    end
    decided(bufnr, 'not executable')
    return nil
  end
  local id = lsp.start(bufnr, M.client_config(dir))
  decided(bufnr, id and 'attached' or 'not started')
  return id
end

--- Calls `callback(client)` with the initialized client serving `bufnr`
--- (starting one when needed), or `callback(nil, reason)`.
function M.with_client(bufnr, callback)
  bufnr = buffers.source_buffer(buffers.resolve(bufnr))
  local attached = lsp.clients(bufnr)[1]
  local id = attached and attached.id or M.attach(bufnr, true)
  if not id and not buffers.file_path(bufnr) then
    -- A buffer without a file borrows the client of the working directory,
    -- or the only one running.
    local cwd = vim.fn.getcwd()
    local all = lsp.clients()
    for _, client in ipairs(all) do
      if root.contains(lsp.root_of(client), cwd) then
        id = client.id
        break
      end
    end
    if not id and #all == 1 then
      id = all[1].id
    end
  end
  if not id then
    local why = buffers.file_path(bufnr) and 'no rule files or .git above this file' or 'open a file of a workspace first'
    return callback(nil, 'no airules server for this buffer: ' .. why)
  end
  lsp.when_ready(id, callback)
end

return M
