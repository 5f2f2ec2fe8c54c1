-- Scratch views shared by :AiRulesContext and :AiRulesRules: a read-only buffer
-- that shows the answer of one request and asks again when the index changes.
local M = {}

-- Every kind of view (context, rule list): { views, refresh }.
local kinds = {}

--- Registers a kind of view: `views` maps scratch bufnr -> view (each with a
--- client_id), `refresh(buf)` asks the server again for what `buf` shows.
function M.register(views, refresh)
  table.insert(kinds, { views = views, refresh = refresh })
end

--- Refreshes every view served by `client_id` after its index changed, and
--- forgets views whose buffer is gone.
function M.on_index_changed(client_id)
  for _, kind in ipairs(kinds) do
    for buf, view in pairs(kind.views) do
      if not vim.api.nvim_buf_is_valid(buf) then
        kind.views[buf] = nil
      elseif view.client_id == client_id then
        kind.refresh(buf)
      end
    end
  end
end

--- Replaces the lines of read-only scratch buffer `buf`.
function M.set_lines(buf, lines)
  vim.bo[buf].modifiable = true
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.bo[buf].modifiable = false
  vim.bo[buf].modified = false
end

--- Creates a scratch buffer registered in `views` as `view`, with `q` to close,
--- `r` to refresh (calling `refresh(buf)`), and the extra `maps` ({ lhs, fn, desc }).
--- opts: name, filetype, loading (the text shown until the first answer).
function M.create(views, view, opts, refresh, maps)
  local buf = vim.api.nvim_create_buf(false, true)
  views[buf] = view
  vim.bo[buf].bufhidden = 'wipe'
  vim.bo[buf].swapfile = false
  pcall(vim.api.nvim_buf_set_name, buf, opts.name)
  vim.bo[buf].filetype = opts.filetype
  M.set_lines(buf, { opts.loading })
  local function map(lhs, fn, desc)
    vim.keymap.set('n', lhs, fn, { buffer = buf, nowait = true, silent = true, desc = desc })
  end
  for _, m in ipairs(maps or {}) do
    map(m[1], m[2], m[3])
  end
  map('q', '<cmd>close<CR>', 'Close the ' .. opts.what)
  map('r', function()
    refresh(buf)
  end, 'Refresh the ' .. opts.what)
  vim.api.nvim_create_autocmd('BufWipeout', {
    buffer = buf,
    callback = function()
      views[buf] = nil
    end,
  })
  return buf
end

--- Asks the server again for what `buf` shows. A refresh asked for while one is
--- under way runs once when it returns, so a burst of index changes costs two
--- requests, not one each.
--- spec: send(client, view, callback), show(buf, view, client, result),
--- message(text) -> the line that says `text` in this buffer's language.
function M.refresh(views, buf, spec)
  local view = views[buf]
  if not view or not vim.api.nvim_buf_is_valid(buf) then
    return
  end
  if view.pending then
    view.again = true
    return
  end
  local client = vim.lsp.get_client_by_id(view.client_id)
  if not client then
    M.set_lines(buf, { spec.message('the server is not running') })
    return
  end
  view.pending = true
  spec.send(client, view, function(err, result)
    view.pending = false
    if not vim.api.nvim_buf_is_valid(buf) then
      return
    end
    if err or type(result) ~= 'table' then
      M.set_lines(buf, { spec.message(tostring(err and err.message or 'empty answer')) })
    else
      spec.show(buf, view, client, result)
    end
    if view.again then
      view.again = false
      M.refresh(views, buf, spec)
    end
  end)
end

return M
