-- The user commands and the .mdc filetype. Kept apart from init.lua so that
-- startup (plugin/airules.lua) does not load vim.lsp; setup() calls create()
-- too, for plugin managers that add the plugin to 'runtimepath' late.
local M = {}

local created = false

function M.create()
  if created then
    return
  end
  created = true

  -- Cursor's .mdc rule files are markdown with frontmatter; without a filetype
  -- they would be opened as plain text and sent with languageId "".
  if vim.filetype and vim.filetype.add then
    vim.filetype.add({ extension = { mdc = 'markdown' } })
  end
  if vim.fn.has('nvim-0.8') == 0 then
    -- 0.7 still detects filetypes with filetype.vim (filetype.lua is opt-in
    -- there), so vim.filetype.add() alone has no effect.
    vim.api.nvim_create_autocmd({ 'BufRead', 'BufNewFile' }, {
      group = vim.api.nvim_create_augroup('airules_filetype', { clear = true }),
      pattern = '*.mdc',
      command = 'setfiletype markdown',
    })
  end

  local command = vim.api.nvim_create_user_command
  command('AiRulesContext', function(args)
    require('airules').context({ max_tokens = tonumber(args.args), all_omitted = args.bang })
  end, { nargs = '?', bang = true, desc = 'airules: show the rules that apply to this buffer (!: every omitted one too)' })

  command('AiRulesCopy', function(args)
    local register = args.args ~= '' and args.args or nil
    require('airules').copy({ register = register })
  end, { nargs = '?', desc = 'airules: copy the rendered rules of this buffer to a register' })

  command('AiRulesRules', function()
    require('airules').rules()
  end, { nargs = 0, desc = 'airules: list every indexed rule' })

  command('AiRulesInfo', function()
    require('airules').info()
  end, { nargs = 0, desc = 'airules: server status for this buffer' })
end

return M
