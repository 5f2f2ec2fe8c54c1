-- Neovim 0.11+: vim.lsp.config() reads `lsp/<name>.lua` from the runtimepath,
-- so with this plugin installed `vim.lsp.enable('airules')` is enough.
-- Override any field with vim.lsp.config('airules', { ... }).
return require('airules').lsp_config()
