-- airules.nvim: starts `airules serve` for buffers in workspaces with AI
-- rule files, and adds commands around the server's `airules/context`.
-- See :help airules. This module is the public API; the parts live in
--   config    defaults, setup() options, init_options, language ids, root
--   client    attaching buffers and starting the server
--   events    airules/indexChanged and server exits
--   status    the statusline count
--   codelens  code lens refreshes
--   context, rules, info   the commands' views
local buffers = require('airules.buffers')
local client = require('airules.client')
local config = require('airules.config')
local events = require('airules.events')
local status = require('airules.status')

local M = {}

--- The configuration in force (setup() fills it; read it, do not replace it).
M.config = config.values

M.language_id = config.language_id
M.init_options = config.init_options
M.root = config.root
M.default_register = config.default_register
M.source_buffer = buffers.source_buffer

M.handlers = client.handlers
M.client_config = client.client_config
M.lsp_config = client.lsp_config
M.attach = client.attach
M.with_client = client.with_client

M.generation = events.generation
M.on_index_changed = events.on_index_changed

M.refresh_status = status.refresh

--- Statusline component: e.g. "AI:5" when five rules apply to the buffer,
--- "" when no airules server is attached. Never waits for the server.
function M.status(bufnr)
  return status.get(bufnr)
end

--- :AiRulesContext — the rendered prompt for a buffer in a scratch split.
function M.context(opts)
  opts = opts or {}
  require('airules.context').open(opts.bufnr or buffers.current(), opts)
end

--- :AiRulesCopy — the rendered prompt into a register.
function M.copy(opts)
  opts = opts or {}
  require('airules.context').copy(opts.bufnr or buffers.current(), opts.register or config.default_register(), opts)
end

--- :AiRulesRules — every indexed rule in a scratch buffer.
function M.rules(opts)
  opts = opts or {}
  require('airules.rules').open(opts.bufnr or buffers.current())
end

--- :AiRulesInfo — server status for the current buffer. `callback(lines)`
--- receives the report instead of it being echoed.
function M.info(callback)
  require('airules.info').info(callback)
end

--- Configures the plugin; with `autostart` (the default) buffers in
--- workspaces with rule files get the server attached as they are opened.
function M.setup(opts)
  require('airules.commands').create()
  config.apply(opts)

  local group = vim.api.nvim_create_augroup('airules', { clear = true })
  require('airules.team').setup(group)
  vim.api.nvim_create_autocmd('BufEnter', {
    group = group,
    callback = function(args)
      status.on_buf_enter(args.buf)
    end,
  })
  vim.api.nvim_create_autocmd('BufWipeout', {
    group = group,
    callback = function(args)
      status.on_buf_wipeout(args.buf)
    end,
  })
  if config.values.autostart then
    vim.api.nvim_create_autocmd({ 'BufReadPost', 'BufNewFile' }, {
      group = group,
      callback = function(args)
        client.attach(args.buf)
      end,
    })
    -- Buffers opened before setup() ran (lazy loading).
    for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_is_loaded(bufnr) then
        client.attach(bufnr)
      end
    end
  end
end

-- Whichever way the client was started (setup(), vim.lsp.enable,
-- nvim-lspconfig), the notification and the code lens command are handled.
vim.lsp.handlers['airules/indexChanged'] = events.on_index_changed
vim.lsp.commands['airules.showContext'] = function(command, ctx)
  local uri = command.arguments and command.arguments[1]
  local bufnr = ctx and ctx.bufnr
  if type(uri) == 'string' then
    bufnr = vim.uri_to_bufnr(uri)
  end
  require('airules.context').open(bufnr or buffers.current(), { uri = uri, client_id = ctx and ctx.client_id })
end

return M
