-- Loaded at startup: defines the commands and the .mdc filetype. No server
-- starts until require('airules').setup() is called (see :help airules).
if vim.g.loaded_airules then
  return
end
vim.g.loaded_airules = 1

if vim.fn.has('nvim-0.7') == 0 then
  vim.api.nvim_err_writeln('airules.nvim needs Neovim 0.7 or newer')
  return
end

require('airules.commands').create()
