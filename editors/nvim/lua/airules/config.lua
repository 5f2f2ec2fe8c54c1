-- The plugin's configuration: the defaults, what setup() merges into them, and
-- what follows from it alone (the server's options, language ids, the root).
local root = require('airules.root')

local M = {}

local defaults = {
  cmd = { 'airules', 'serve' },
  cmd_env = nil,
  rules_dir = '.ai-rules',
  max_tokens = nil, -- nil: the server's default budget (sent only when set)
  disabled_rules = {},
  hover = true,
  watch = 'auto', -- 'auto' | 'server' | 'client'; Neovim never sends file events on Linux
  log_level = nil,
  log_file = nil,
  autostart = true,
  attach_without_rules = false,
  root_markers = nil, -- nil: rules_dir, .cursor/rules, .github/instructions, AGENTS.md, CLAUDE.md
  codelens = true,
  register = nil, -- nil: '+' when a clipboard provider exists, else '"'
  split = 'botright vsplit',
  status_format = 'AI:%d',
  language_ids = {},
  capabilities = nil,
  on_attach = nil,
}

--- The configuration in force. setup() refills this same table, so a reference
--- to it (require('airules').config) stays current.
M.values = vim.deepcopy(defaults)

--- Replaces the configuration with the defaults merged with `opts`.
function M.apply(opts)
  local merged = vim.tbl_deep_extend('force', vim.deepcopy(defaults), opts or {})
  -- Lists (cmd, disabled_rules, root_markers) replace the defaults rather
  -- than being merged index by index.
  for key, value in pairs(opts or {}) do
    if type(value) == 'table' and (vim.islist or vim.tbl_islist)(value) then
      merged[key] = value
    end
  end
  for key in pairs(M.values) do
    M.values[key] = nil
  end
  for key, value in pairs(merged) do
    M.values[key] = value
  end
end

-- Neovim filetypes whose LSP language id is spelled differently.
local language_ids = {
  sh = 'shellscript',
  bash = 'shellscript',
  zsh = 'shellscript',
  cs = 'csharp',
  text = 'plaintext',
  objc = 'objective-c',
  objcpp = 'objective-cpp',
  tex = 'latex',
  gitcommit = 'git-commit',
  gitrebase = 'git-rebase',
}

--- The LSP language id sent in didOpen for a buffer of `filetype`.
--- An empty filetype stays "": the server then goes by the file extension.
function M.language_id(_, filetype)
  filetype = (filetype or ''):match('^[^.]*') -- "markdown.pandoc" -> "markdown"
  return M.values.language_ids[filetype] or language_ids[filetype] or filetype
end

--- `initializationOptions` for the server. Options left unset are left out, so
--- the server's defaults apply (one default for every client).
function M.init_options()
  local c = M.values
  local opts = {
    rulesDir = c.rules_dir,
    maxTokens = c.max_tokens,
    hover = (c.hover == false or c.hover == 'off') and 'off' or 'on',
    watch = c.watch,
    logLevel = c.log_level,
    logFile = c.log_file,
  }
  if c.disabled_rules and #c.disabled_rules > 0 then
    opts.disabledRules = c.disabled_rules
  end
  return opts
end

--- The root and whether rule files were seen there, for the file `path`.
function M.root(path)
  return root.find(path, M.values.root_markers or root.markers(M.values.rules_dir))
end

--- The register :AiRulesCopy writes to when none is given.
function M.default_register()
  if M.values.register then
    return M.values.register
  end
  return vim.fn.has('clipboard') == 1 and '+' or '"'
end

return M
