-- :AiRulesContext and :AiRulesCopy: the prompt that `airules/context`
-- renders for a file, in a scratch markdown buffer kept current while the
-- index changes, or copied to a register.
local buffers = require('airules.buffers')
local client_for = require('airules.client').with_client
local config = require('airules.config')
local lsp = require('airules.lsp')
local scratch = require('airules.scratch')

local M = {}

-- scratch bufnr -> { source = bufnr, uri, client_id, max_tokens, all_omitted, result, pending, again }
local views = {}

local function notify(msg, level)
  vim.notify('airules: ' .. msg, level or vim.log.levels.WARN)
end

-- JSON null arrives as vim.NIL, and Go marshals empty slices as null.
local function list(value)
  return type(value) == 'table' and value or {}
end

local function ids(items, with_reason)
  local out = {}
  for _, item in ipairs(list(items)) do
    local id = tostring(item.id)
    if with_reason and type(item.reason) == 'string' then
      id = id .. ' (' .. item.reason .. ')'
    end
    table.insert(out, id)
  end
  return out
end

local function split_lines(text)
  local lines = {}
  for line in (text .. '\n'):gmatch('(.-)\r?\n') do
    table.insert(lines, line)
  end
  return lines
end

--- The words for the omitted rules an answer left out of its list.
function M.more_omitted(n)
  return ('… and %d more omitted'):format(n)
end

--- The buffer lines for a context `result`: a few HTML comments that say what
--- was selected (markdown renderers hide them), then the prompt verbatim. The
--- server lists the first omitted rules only and counts the rest (moreOmitted).
function M.render(result, name)
  local rules = list(result.rules)
  local lines = {
    ('<!-- airules context for %s (%s): %d rules, %s/%s tokens, generation %s -->'):format(
      name,
      type(result.languageId) == 'string' and result.languageId ~= '' and result.languageId or '?',
      #rules,
      tostring(result.tokens),
      tostring(result.maxTokens),
      tostring(result.generation)
    ),
    '<!-- rules: ' .. table.concat(ids(rules), ', ') .. ' -->',
  }
  if #list(result.omitted) > 0 then
    local omitted = '<!-- omitted: ' .. table.concat(ids(result.omitted, true), ', ')
    local more = type(result.moreOmitted) == 'number' and result.moreOmitted or 0
    if more > 0 then
      omitted = omitted .. ' ' .. M.more_omitted(more) .. ' (:AiRulesContext! lists all)'
    end
    table.insert(lines, omitted .. ' -->')
  end
  if #list(result.available) > 0 then
    table.insert(lines, '<!-- on request: ' .. table.concat(ids(result.available), ', ') .. ' -->')
  end
  table.insert(lines, '')
  local prompt = type(result.prompt) == 'string' and result.prompt or ''
  if prompt == '' then
    table.insert(lines, '_No rules apply to this file._')
  else
    vim.list_extend(lines, split_lines(prompt))
  end
  return lines
end

-- The file's path relative to the client's root, for the buffer name.
local function display_name(client, uri)
  local path = vim.uri_to_fname(uri)
  local dir = client and lsp.root_of(client)
  if dir and path:sub(1, #dir + 1) == dir .. '/' then
    return path:sub(#dir + 2)
  end
  return vim.fn.fnamemodify(path, ':~:.')
end

--- The scratch buffer showing the context of `source`, if there is one.
function M.view_for(source)
  for buf, view in pairs(views) do
    if view.source == source and vim.api.nvim_buf_is_valid(buf) then
      return buf
    end
  end
  return nil
end

--- The last `airules/context` result shown in scratch buffer `buf`.
function M.result(buf)
  return views[buf] and views[buf].result
end

local function create_view(source, uri, client)
  local buf = scratch.create(views, { source = source, uri = uri, client_id = client.id }, {
    name = 'airules://context/' .. display_name(client, uri),
    filetype = 'markdown',
    loading = '<!-- airules: loading… -->',
    what = 'airules context',
  }, function(b)
    M.refresh(b)
  end)
  vim.api.nvim_buf_set_var(buf, 'airules_source', source)
  return buf
end

local function show(buf)
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_buf(win) == buf then
      return
    end
  end
  vim.cmd(config.values.split or 'botright vsplit')
  vim.api.nvim_win_set_buf(0, buf)
  vim.wo.wrap = true
end

--- Asks the server again for the context shown in `buf`.
function M.refresh(buf)
  scratch.refresh(views, buf, {
    message = function(msg)
      return '<!-- airules: ' .. msg .. ' -->'
    end,
    send = function(client, view, callback)
      local params = {
        textDocument = { uri = view.uri },
        maxTokens = view.max_tokens,
        maxOmitted = view.all_omitted and -1 or nil,
      }
      local bufnr = vim.api.nvim_buf_is_valid(view.source) and view.source or nil
      lsp.request(client, 'airules/context', params, bufnr, callback)
    end,
    show = function(b, view, client, result)
      view.result = result
      scratch.set_lines(b, M.render(result, display_name(client, view.uri)))
      vim.api.nvim_buf_set_var(b, 'airules_generation', result.generation)
      vim.cmd('silent doautocmd <nomodeline> User AiRulesContextUpdated')
    end,
  })
end

--- Opens (or shows again) the context view of buffer `bufnr`.
--- opts: max_tokens, all_omitted (list every omitted rule, not the server's
--- first 50; until the view is opened again without it), uri and client_id (a
--- code lens names both).
function M.open(bufnr, opts)
  opts = opts or {}
  local source = buffers.source_buffer(bufnr)
  local function with_client(client, err)
    if not client then
      return notify(err)
    end
    local uri = opts.uri or vim.uri_from_bufnr(source)
    local buf = M.view_for(source) or create_view(source, uri, client)
    local view = views[buf]
    view.client_id = client.id
    view.max_tokens = opts.max_tokens or view.max_tokens
    view.all_omitted = opts.all_omitted == true
    show(buf)
    M.refresh(buf)
  end
  if opts.client_id then
    lsp.when_ready(opts.client_id, with_client)
  else
    client_for(source, with_client)
  end
end

--- Copies the prompt for buffer `bufnr` into `register`.
--- opts: max_tokens, callback(result) once done.
function M.copy(bufnr, register, opts)
  opts = opts or {}
  local source = buffers.source_buffer(bufnr)
  client_for(source, function(client, err)
    if not client then
      return notify(err)
    end
    local params = { textDocument = { uri = vim.uri_from_bufnr(source) }, maxTokens = opts.max_tokens }
    lsp.request(client, 'airules/context', params, source, function(req_err, result)
      if req_err or type(result) ~= 'table' then
        return notify(tostring(req_err and req_err.message or 'empty answer'), vim.log.levels.ERROR)
      end
      local prompt = type(result.prompt) == 'string' and result.prompt or ''
      vim.fn.setreg(register, prompt)
      notify(
        ('%d rules (%s tokens) copied to register %s'):format(#list(result.rules), tostring(result.tokens), register),
        vim.log.levels.INFO
      )
      if opts.callback then
        opts.callback(result)
      end
    end)
  end)
end

scratch.register(views, M.refresh)

return M
