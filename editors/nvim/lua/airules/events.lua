-- What the plugin does when a server speaks up on its own: airules/indexChanged
-- refreshes everything that shows rules; an exit is remembered for
-- :checkhealth and clears what the server's answers had filled in.
local codelens = require('airules.codelens')
local lsp = require('airules.lsp')
local scratch = require('airules.scratch')
local status = require('airules.status')

local M = {}

local generations = {} -- client id -> generation of the last airules/indexChanged
local exits = {} -- the servers that exited, oldest first: { client_id, root, code, signal }

--- The generation announced last by client `client_id` (nil before the first).
function M.generation(client_id)
  return generations[client_id]
end

--- Handler of airules/indexChanged.
function M.on_index_changed(_, result, ctx)
  local client_id = ctx and ctx.client_id
  if not client_id then
    return
  end
  generations[client_id] = type(result) == 'table' and result.generation or nil
  vim.schedule(function()
    status.on_index_changed(client_id)
    scratch.on_index_changed(client_id)
    codelens.on_index_changed(client_id)
  end)
end

--- on_exit of the clients this plugin starts; `root` is the one it was started for.
function M.on_exit(code, signal, client_id, root)
  local client = vim.lsp.get_client_by_id(client_id)
  table.insert(exits, {
    client_id = client_id,
    root = (client and lsp.root_of(client)) or root,
    code = code,
    signal = signal,
  })
  lsp.forget(client_id)
  generations[client_id] = nil
  vim.schedule(function()
    status.forget_client(client_id)
  end)
end

--- The servers that exited since Neovim started, oldest first.
function M.exits()
  return exits
end

return M
