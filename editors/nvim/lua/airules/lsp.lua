-- Version shims around vim.lsp, so the rest of the plugin reads the same on
-- Neovim 0.7 (start_client + buf_attach_client, client.request(...)) and on
-- 0.8 .. 0.11+ (vim.lsp.start, vim.lsp.get_clients, client:request(...)).
local M = {}

M.name = 'airules'

local function has(version)
  return vim.fn.has('nvim-' .. version) == 1
end

-- 0.11 turned client functions into methods; the dot form still works there
-- but is deprecated, and it is the only form 0.7 .. 0.10 know.
local method_style = has('0.11')

--- Calls `client.<method>(...)` the way the running Neovim expects.
function M.call(client, method, ...)
  if method_style then
    return client[method](client, ...)
  end
  return client[method](...)
end

--- How clients are started on this Neovim, for :AiRulesInfo.
function M.mode()
  return vim.lsp.start and 'vim.lsp.start' or 'vim.lsp.start_client'
end

--- The workspace root a client was started for.
function M.root_of(client)
  if client.root_dir then
    return client.root_dir
  end
  if client.config and client.config.root_dir then
    return client.config.root_dir
  end
  local folders = client.workspace_folders
  if type(folders) == 'table' and folders[1] then
    return vim.uri_to_fname(folders[1].uri)
  end
  return nil
end

--- Running airules clients, optionally only those attached to `bufnr`.
--- (Includes clients started by vim.lsp.enable or nvim-lspconfig, as long as
--- they are named "airules".)
function M.clients(bufnr)
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ name = M.name, bufnr = bufnr })
  end
  local found = {}
  for _, client in ipairs(vim.lsp.get_active_clients()) do
    if client.name == M.name and (bufnr == nil or vim.lsp.buf_is_attached(bufnr, client.id)) then
      table.insert(found, client)
    end
  end
  return found
end

-- 0.7 has no vim.lsp.start, so reuse is ours to do: root -> client id.
local by_root = {}

--- Forgets a client that exited (called from the client's on_exit).
function M.forget(client_id)
  for root, id in pairs(by_root) do
    if id == client_id then
      by_root[root] = nil
    end
  end
end

local function same_client(client, config)
  return client.name == config.name and M.root_of(client) == config.root_dir
end

--- Starts (or reuses) the client for `config.root_dir` and attaches `bufnr`.
--- Returns the client id, or nil when the server could not be started.
function M.start(bufnr, config)
  if vim.lsp.start then
    local id
    -- 0.8 attaches the current buffer and ignores opts.bufnr (added in 0.9).
    vim.api.nvim_buf_call(bufnr, function()
      id = vim.lsp.start(config, { bufnr = bufnr, reuse_client = same_client })
    end)
    return id
  end

  local id = by_root[config.root_dir]
  local client = id and vim.lsp.get_client_by_id(id)
  if not client or M.call(client, 'is_stopped') then
    id = vim.lsp.start_client(config)
    if not id then
      return nil
    end
    by_root[config.root_dir] = id
  end
  vim.lsp.buf_attach_client(bufnr, id)
  return id
end

--- Calls `callback(client)` once the client has answered `initialize`, or
--- `callback(nil, reason)`. Requests sent before that would reach the server
--- ahead of `initialize`, which the protocol forbids.
function M.when_ready(client_id, callback, timeout_ms)
  local deadline = vim.loop.now() + (timeout_ms or 10000)
  local function poll()
    local client = vim.lsp.get_client_by_id(client_id)
    if not client or M.call(client, 'is_stopped') then
      return callback(nil, 'the airules server is not running')
    end
    if client.initialized then
      return callback(client)
    end
    if vim.loop.now() > deadline then
      return callback(nil, 'the airules server did not finish initializing')
    end
    vim.defer_fn(poll, 20)
  end
  poll()
end

--- Sends a request; `callback(err, result)` runs on the main loop.
function M.request(client, method, params, bufnr, callback)
  local ok = M.call(client, 'request', method, params, function(err, result)
    callback(err, result)
  end, bufnr)
  if not ok then
    callback({ message = 'the airules server is not running' })
  end
end

--- Refreshes code lenses of `bufnr` (the current buffer on 0.7 .. 0.9).
function M.refresh_codelens(bufnr)
  if has('0.10') then
    vim.lsp.codelens.refresh({ bufnr = bufnr })
  else
    vim.lsp.codelens.refresh()
  end
end

return M
