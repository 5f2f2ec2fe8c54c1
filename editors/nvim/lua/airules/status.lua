-- The statusline component: how many rules apply to a buffer, answered from a
-- cache that is refreshed without waiting on the server.
-- Per buffer: { text, client_id, pending, stale, again }. `pending` while a
-- request is out, `again` when another was asked for meanwhile, `stale` after
-- the index changed (the next status() call queues a refresh).
local buffers = require('airules.buffers')
local config = require('airules.config')
local lsp = require('airules.lsp')

local M = {}

local cache = {} -- bufnr -> entry
local scheduled = {} -- bufnr -> true while a refresh is queued

local function redraw()
  vim.cmd('redrawstatus!')
end

--- Asks the server, without waiting, how many rules apply to `bufnr`, and
--- caches the answer for get().
function M.refresh(bufnr)
  if not vim.api.nvim_buf_is_valid(bufnr) then
    cache[bufnr] = nil
    return
  end
  local entry = cache[bufnr] or { text = '' }
  cache[bufnr] = entry
  if entry.pending then
    entry.again = true -- the answer on its way may already be stale
    return
  end
  local client = lsp.clients(bufnr)[1]
  if not client or not client.initialized then
    entry.stale = false
    if entry.text ~= '' then
      entry.text = ''
      redraw()
    end
    return
  end
  entry.pending, entry.stale, entry.client_id = true, false, client.id
  local params = { textDocument = { uri = vim.uri_from_bufnr(bufnr) } }
  lsp.request(client, 'airules/context', params, bufnr, function(err, result)
    entry.pending = false
    local text = ''
    if not err and type(result) == 'table' and type(result.rules) == 'table' then
      local format = config.values.status_format
      if type(format) == 'function' then
        text = format(result)
      else
        text = string.format(format, #result.rules)
      end
    end
    if text ~= entry.text then
      entry.text = text
      redraw()
    end
    if entry.again then
      entry.again = false
      M.refresh(bufnr)
    end
  end)
end

--- e.g. "AI:5" when five rules apply to the buffer, "" when no airules server
--- is attached. Never waits for the server: it returns the cached answer and
--- queues a refresh when there is none.
function M.get(bufnr)
  bufnr = buffers.resolve(bufnr)
  local entry = cache[bufnr]
  if (not entry or entry.stale) and not (entry and entry.pending) and not scheduled[bufnr] then
    -- Statusline evaluation is no place to send requests from: defer.
    scheduled[bufnr] = true
    vim.schedule(function()
      scheduled[bufnr] = nil
      M.refresh(bufnr)
    end)
  end
  return entry and entry.text or ''
end

--- The cached text for `bufnr`, without queuing anything.
function M.cached(bufnr)
  return cache[bufnr] and cache[bufnr].text or ''
end

--- The index of `client_id` changed: its buffers' counts are stale; the
--- visible ones are refreshed now.
function M.on_index_changed(client_id)
  local visible = {}
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    visible[vim.api.nvim_win_get_buf(win)] = true
  end
  for bufnr, entry in pairs(cache) do
    if entry.client_id == client_id then
      entry.stale = true
      if visible[bufnr] then
        M.refresh(bufnr)
      end
    end
  end
end

--- The client `client_id` exited: its counts mean nothing any more.
function M.forget_client(client_id)
  for bufnr, entry in pairs(cache) do
    if entry.client_id == client_id then
      cache[bufnr] = nil
    end
  end
  redraw()
end

function M.on_buf_enter(bufnr)
  if cache[bufnr] or lsp.clients(bufnr)[1] then
    M.refresh(bufnr)
  end
end

function M.on_buf_wipeout(bufnr)
  cache[bufnr] = nil
end

return M
