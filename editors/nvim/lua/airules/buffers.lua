-- Which buffers the plugin deals with, and which file a buffer stands for.
local M = {}

function M.current()
  return vim.api.nvim_get_current_buf()
end

--- `bufnr`, with nil and 0 meaning the current buffer.
function M.resolve(bufnr)
  return (bufnr == nil or bufnr == 0) and M.current() or bufnr
end

--- The file a buffer shows, or nil for scratch, help, terminal and URL buffers
--- (fugitive://, oil://, ...), which the server has no business with.
function M.file_path(bufnr)
  if not vim.api.nvim_buf_is_valid(bufnr) or vim.bo[bufnr].buftype ~= '' then
    return nil
  end
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == '' or name:match('^%a[%w+.-]*://') then
    return nil
  end
  return name
end

--- Scratch buffers of this plugin stand for the file they were opened from.
function M.source_buffer(bufnr)
  local ok, source = pcall(vim.api.nvim_buf_get_var, bufnr, 'airules_source')
  if ok and type(source) == 'number' and vim.api.nvim_buf_is_valid(source) then
    return source
  end
  return bufnr
end

return M
