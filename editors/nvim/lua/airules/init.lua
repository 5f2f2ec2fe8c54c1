-- airules.nvim: starts `airules serve` for buffers in workspaces with AI
-- rule files, and adds commands around the server's `airules/context`.
-- See :help airules.
local lsp = require('airules.lsp')
local root = require('airules.root')

local M = {}

local defaults = {
  cmd = { 'airules', 'serve' },
  cmd_env = nil,
  rules_dir = '.ai-rules',
  max_tokens = 8000,
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

M.config = vim.deepcopy(defaults)

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
  return M.config.language_ids[filetype] or language_ids[filetype] or filetype
end

local status_cache = {} -- bufnr -> { text, client_id, pending, stale, again }
local status_scheduled = {} -- bufnr -> true while a refresh is queued
local generations = {} -- client id -> generation of the last airules/indexChanged

--- The generation announced last by client `client_id` (nil before the first).
function M.generation(client_id)
  return generations[client_id]
end

--- `initializationOptions` for the server, from the configuration.
function M.init_options()
  local c = M.config
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
  return root.find(path, M.config.root_markers or root.markers(M.config.rules_dir))
end

local function current()
  return vim.api.nvim_get_current_buf()
end

-- The file a buffer shows, or nil for scratch, help, terminal and URL buffers
-- (fugitive://, oil://, ...), which the server has no business with.
local function file_path(bufnr)
  if not vim.api.nvim_buf_is_valid(bufnr) or vim.bo[bufnr].buftype ~= '' then
    return nil
  end
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == '' or name:match('^%a[%w+.-]*://') then
    return nil
  end
  return name
end

-- Scratch buffers of this plugin stand for the file they were opened from.
local function source_buffer(bufnr)
  local ok, source = pcall(vim.api.nvim_buf_get_var, bufnr, 'airules_source')
  if ok and type(source) == 'number' and vim.api.nvim_buf_is_valid(source) then
    return source
  end
  return bufnr
end
M.source_buffer = source_buffer

local function redraw_status()
  vim.cmd('redrawstatus!')
end

--- Asks the server, without waiting, how many rules apply to `bufnr`, and
--- caches the answer for status().
function M.refresh_status(bufnr)
  if not vim.api.nvim_buf_is_valid(bufnr) then
    status_cache[bufnr] = nil
    return
  end
  local entry = status_cache[bufnr] or { text = '' }
  status_cache[bufnr] = entry
  if entry.pending then
    entry.again = true -- the answer on its way may already be stale
    return
  end
  local client = lsp.clients(bufnr)[1]
  if not client or not client.initialized then
    entry.stale = false
    if entry.text ~= '' then
      entry.text = ''
      redraw_status()
    end
    return
  end
  entry.pending, entry.stale, entry.client_id = true, false, client.id
  local params = { textDocument = { uri = vim.uri_from_bufnr(bufnr) } }
  lsp.request(client, 'airules/context', params, bufnr, function(err, result)
    entry.pending = false
    local text = ''
    if not err and type(result) == 'table' and type(result.rules) == 'table' then
      local format = M.config.status_format
      if type(format) == 'function' then
        text = format(result)
      else
        text = string.format(format, #result.rules)
      end
    end
    if text ~= entry.text then
      entry.text = text
      redraw_status()
    end
    if entry.again then
      entry.again = false
      M.refresh_status(bufnr)
    end
  end)
end

--- Statusline component: e.g. "AI:5" when five rules apply to the buffer,
--- "" when no airules server is attached. Never waits for the server: it
--- returns the cached answer and queues a refresh when there is none.
function M.status(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and current() or bufnr
  local entry = status_cache[bufnr]
  if (not entry or entry.stale) and not (entry and entry.pending) and not status_scheduled[bufnr] then
    -- Statusline evaluation is no place to send requests from: defer.
    status_scheduled[bufnr] = true
    vim.schedule(function()
      status_scheduled[bufnr] = nil
      M.refresh_status(bufnr)
    end)
  end
  return entry and entry.text or ''
end

local function supports_codelens(client)
  local caps = client.server_capabilities
  return caps and caps.codeLensProvider ~= nil and caps.codeLensProvider ~= false
end

local function refresh_codelens(bufnr)
  -- Before 0.10 codelens.refresh() only knows the current buffer.
  if vim.fn.has('nvim-0.10') == 1 or bufnr == current() then
    pcall(lsp.refresh_codelens, bufnr)
  end
end

local function on_index_changed(_, result, ctx)
  local client_id = ctx and ctx.client_id
  if not client_id then
    return
  end
  generations[client_id] = type(result) == 'table' and result.generation or nil
  vim.schedule(function()
    local visible = {}
    for _, win in ipairs(vim.api.nvim_list_wins()) do
      visible[vim.api.nvim_win_get_buf(win)] = true
    end
    for bufnr, entry in pairs(status_cache) do
      if entry.client_id == client_id then
        entry.stale = true
        if visible[bufnr] then
          M.refresh_status(bufnr)
        end
      end
    end
    require('airules.context').on_index_changed(client_id)
    require('airules.rules').on_index_changed(client_id)
    local client = vim.lsp.get_client_by_id(client_id)
    if M.config.codelens and client and supports_codelens(client) then
      refresh_codelens(current())
    end
  end)
end
M.on_index_changed = on_index_changed

local function on_attach(client, bufnr)
  M.refresh_status(bufnr)
  if M.config.codelens and supports_codelens(client) then
    local group = vim.api.nvim_create_augroup('airules_codelens_' .. bufnr, { clear = true })
    vim.api.nvim_create_autocmd({ 'BufEnter', 'InsertLeave', 'BufWritePost' }, {
      group = group,
      buffer = bufnr,
      callback = function()
        refresh_codelens(bufnr)
      end,
    })
    refresh_codelens(bufnr)
  end
  if M.config.on_attach then
    M.config.on_attach(client, bufnr)
  end
end

local function on_exit(_, _, client_id)
  lsp.forget(client_id)
  generations[client_id] = nil
  vim.schedule(function()
    for bufnr, entry in pairs(status_cache) do
      if entry.client_id == client_id then
        status_cache[bufnr] = nil
      end
    end
    redraw_status()
  end)
end

--- Handlers for the server's own notifications. Client configs made by this
--- plugin carry them; add them to configs you write yourself.
function M.handlers()
  return { ['airules/indexChanged'] = on_index_changed }
end

--- The client configuration for a workspace `root_dir`, as passed to
--- vim.lsp.start() (0.8+) or vim.lsp.start_client() (0.7).
function M.client_config(root_dir)
  return {
    name = lsp.name,
    cmd = M.config.cmd,
    cmd_env = M.config.cmd_env,
    root_dir = root_dir,
    init_options = M.init_options(),
    capabilities = M.config.capabilities,
    get_language_id = M.language_id,
    handlers = M.handlers(),
    on_attach = on_attach,
    on_exit = on_exit,
  }
end

--- A configuration for Neovim 0.11's vim.lsp.config(); `lsp/airules.lua`
--- returns it, so `vim.lsp.enable('airules')` is all a 0.11 user needs.
function M.lsp_config()
  local config = M.client_config(nil)
  config.name = nil -- vim.lsp.config names it after its key
  config.root_dir = function(bufnr, on_dir)
    local path = file_path(bufnr)
    local dir, has_rules = M.root(path)
    if dir and (has_rules or M.config.attach_without_rules) then
      on_dir(dir)
    end
  end
  return config
end

local warned_cmd = false

--- Starts or reuses the server for the workspace of `bufnr` and attaches the
--- buffer. With `force`, a `.git` root without rule files is good enough.
--- Returns the client id, or nil when the buffer is not in such a workspace.
function M.attach(bufnr, force)
  bufnr = (bufnr == nil or bufnr == 0) and current() or bufnr
  local path = file_path(bufnr)
  if not path or not vim.api.nvim_buf_is_loaded(bufnr) then
    return nil
  end
  local dir, has_rules = M.root(path)
  if not has_rules then
    -- A file in a nested repository (vendored code, a submodule) belongs to
    -- the workspace around it when a server already runs for that one.
    for _, client in ipairs(lsp.clients()) do
      if root.contains(lsp.root_of(client), path) then
        vim.lsp.buf_attach_client(bufnr, client.id)
        return client.id
      end
    end
    if not dir or not (force or M.config.attach_without_rules) then
      return nil
    end
  end
  local cmd = M.config.cmd
  if type(cmd) == 'table' and vim.fn.executable(cmd[1]) == 0 then
    if not warned_cmd then
      warned_cmd = true
      vim.notify(
        ('airules: %q is not executable; install airules or set `cmd` in setup()'):format(cmd[1]),
        vim.log.levels.WARN
      )
    end
    return nil
  end
  return lsp.start(bufnr, M.client_config(dir))
end

--- Calls `callback(client)` with the initialized client serving `bufnr`
--- (starting one when needed), or `callback(nil, reason)`.
function M.with_client(bufnr, callback)
  bufnr = source_buffer((bufnr == nil or bufnr == 0) and current() or bufnr)
  local attached = lsp.clients(bufnr)[1]
  local id = attached and attached.id or M.attach(bufnr, true)
  if not id and not file_path(bufnr) then
    -- A buffer without a file borrows the client of the working directory,
    -- or the only one running.
    local cwd = vim.fn.getcwd()
    local all = lsp.clients()
    for _, client in ipairs(all) do
      if root.contains(lsp.root_of(client), cwd) then
        id = client.id
        break
      end
    end
    if not id and #all == 1 then
      id = all[1].id
    end
  end
  if not id then
    local why = file_path(bufnr) and 'no rule files or .git above this file' or 'open a file of a workspace first'
    return callback(nil, 'no airules server for this buffer: ' .. why)
  end
  lsp.when_ready(id, callback)
end

--- The register :AiRulesCopy writes to when none is given.
function M.default_register()
  if M.config.register then
    return M.config.register
  end
  return vim.fn.has('clipboard') == 1 and '+' or '"'
end

--- :AiRulesContext — the rendered prompt for a buffer in a scratch split.
function M.context(opts)
  opts = opts or {}
  require('airules.context').open(opts.bufnr or current(), opts)
end

--- :AiRulesCopy — the rendered prompt into a register.
function M.copy(opts)
  opts = opts or {}
  require('airules.context').copy(opts.bufnr or current(), opts.register or M.default_register(), opts)
end

--- :AiRulesRules — every indexed rule in a scratch buffer.
function M.rules(opts)
  opts = opts or {}
  require('airules.rules').open(opts.bufnr or current())
end

local function show_lines(lines)
  vim.api.nvim_echo({ { table.concat(lines, '\n') } }, true, {})
end

--- :AiRulesInfo — server status for the current buffer. `callback(lines)`
--- receives the report instead of it being echoed.
function M.info(callback)
  local finish = callback or show_lines
  local bufnr = source_buffer(current())
  local v = vim.version()
  local lines = {
    ('airules.nvim on Neovim %d.%d.%d, clients started with %s'):format(v.major, v.minor, v.patch, lsp.mode()),
  }
  local cmd = M.config.cmd
  if type(cmd) == 'table' then
    local ok = vim.fn.executable(cmd[1]) == 1
    table.insert(lines, 'cmd: ' .. table.concat(cmd, ' ') .. (ok and '' or '  (NOT EXECUTABLE)'))
  end
  local path = file_path(bufnr)
  if path then
    local dir, has_rules = M.root(path)
    local note = dir and not has_rules and ' (no rule files; bounded by .git)' or ''
    table.insert(lines, 'root: ' .. (dir or 'none found') .. note)
  else
    table.insert(lines, 'root: none (the buffer shows no file)')
  end

  local client = lsp.clients(bufnr)[1]
  if not client then
    table.insert(lines, 'client: none attached to this buffer')
    for _, other in ipairs(lsp.clients()) do
      table.insert(lines, ('  running: id %d for %s'):format(other.id, tostring(lsp.root_of(other))))
    end
    return finish(lines)
  end
  table.insert(lines, ('client: id %d, root %s'):format(client.id, tostring(lsp.root_of(client))))
  lsp.request(client, 'airules/rules', vim.empty_dict(), bufnr, function(err, result)
    if err or type(result) ~= 'table' then
      table.insert(lines, 'airules/rules failed: ' .. tostring(err and err.message or 'no result'))
      return finish(lines)
    end
    local rules = type(result.rules) == 'table' and result.rules or {}
    local with_problems, disabled = 0, 0
    for _, rule in ipairs(rules) do
      local problems = rule.problems
      if (type(problems) == 'number' and problems > 0) or (type(problems) == 'table' and #problems > 0) then
        with_problems = with_problems + 1
      end
      if rule.status == 'disabled' then
        disabled = disabled + 1
      end
    end
    table.insert(lines, 'generation: ' .. tostring(result.generation))
    table.insert(lines, ('rules: %d indexed, %d with problems, %d disabled'):format(#rules, with_problems, disabled))
    local here = status_cache[bufnr] and status_cache[bufnr].text or ''
    if here ~= '' then
      table.insert(lines, 'this buffer: ' .. here)
    end
    finish(lines)
  end)
end

local function on_buf_enter(args)
  local entry = status_cache[args.buf]
  if entry or lsp.clients(args.buf)[1] then
    M.refresh_status(args.buf)
  end
end

--- Configures the plugin; with `autostart` (the default) buffers in
--- workspaces with rule files get the server attached as they are opened.
function M.setup(opts)
  require('airules.commands').create()
  M.config = vim.tbl_deep_extend('force', vim.deepcopy(defaults), opts or {})
  -- Lists (cmd, disabled_rules, root_markers) replace the defaults rather
  -- than being merged index by index.
  for key, value in pairs(opts or {}) do
    if type(value) == 'table' and (vim.islist or vim.tbl_islist)(value) then
      M.config[key] = value
    end
  end

  local group = vim.api.nvim_create_augroup('airules', { clear = true })
  vim.api.nvim_create_autocmd('BufEnter', { group = group, callback = on_buf_enter })
  vim.api.nvim_create_autocmd('BufWipeout', {
    group = group,
    callback = function(args)
      status_cache[args.buf] = nil
    end,
  })
  if M.config.autostart then
    vim.api.nvim_create_autocmd({ 'BufReadPost', 'BufNewFile' }, {
      group = group,
      callback = function(args)
        M.attach(args.buf)
      end,
    })
    -- Buffers opened before setup() ran (lazy loading).
    for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
      if vim.api.nvim_buf_is_loaded(bufnr) then
        M.attach(bufnr)
      end
    end
  end
end

-- Whichever way the client was started (setup(), vim.lsp.enable,
-- nvim-lspconfig), the notification and the code lens command are handled.
vim.lsp.handlers['airules/indexChanged'] = on_index_changed
vim.lsp.commands['airules.showContext'] = function(command, ctx)
  local uri = command.arguments and command.arguments[1]
  local bufnr = ctx and ctx.bufnr
  if type(uri) == 'string' then
    bufnr = vim.uri_to_bufnr(uri)
  end
  require('airules.context').open(bufnr or current(), { uri = uri, client_id = ctx and ctx.client_id })
end

return M
