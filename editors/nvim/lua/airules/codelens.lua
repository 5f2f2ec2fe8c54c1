-- Keeps the server's code lenses ("N AI rules apply") current in attached buffers.
local buffers = require('airules.buffers')
local config = require('airules.config')
local lsp = require('airules.lsp')

local M = {}

function M.supported(client)
  local caps = client and client.server_capabilities
  return caps ~= nil and caps.codeLensProvider ~= nil and caps.codeLensProvider ~= false
end

function M.refresh(bufnr)
  -- Before 0.10 codelens.refresh() only knows the current buffer.
  if vim.fn.has('nvim-0.10') == 1 or bufnr == buffers.current() then
    pcall(lsp.refresh_codelens, bufnr)
  end
end

--- Refreshes the lenses of `bufnr` now and whenever it is entered or written.
function M.attach(client, bufnr)
  if not (config.values.codelens and M.supported(client)) then
    return
  end
  local group = vim.api.nvim_create_augroup('airules_codelens_' .. bufnr, { clear = true })
  vim.api.nvim_create_autocmd({ 'BufEnter', 'InsertLeave', 'BufWritePost' }, {
    group = group,
    buffer = bufnr,
    callback = function()
      M.refresh(bufnr)
    end,
  })
  M.refresh(bufnr)
end

--- The index of `client_id` changed: the current buffer's lenses may count differently.
function M.on_index_changed(client_id)
  local client = vim.lsp.get_client_by_id(client_id)
  if config.values.codelens and M.supported(client) then
    M.refresh(buffers.current())
  end
end

return M
