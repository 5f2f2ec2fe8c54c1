-- :AiRulesRules: every rule the server indexed, one per line, with its
-- problems below it. <CR> opens the rule file (at the problem's line).
local client_for = require('airules.client').with_client
local lsp = require('airules.lsp')
local scratch = require('airules.scratch')

local M = {}

-- scratch bufnr -> { client_id, targets = { [lnum] = { uri, line } }, pending, again }
local views = {}

local function list(value)
  return type(value) == 'table' and value or {}
end

local function text(value)
  if value == nil or value == vim.NIL then
    return ''
  end
  return tostring(value)
end

local function pad(s, width)
  return s .. string.rep(' ', width - vim.fn.strdisplaywidth(s))
end

-- `problems` is a count; a list of strings or { code, message, range } is
-- shown line by line too, should a server send one.
local function describe_problem(problem)
  if type(problem) ~= 'table' then
    return text(problem), nil
  end
  local line = problem.line
  if type(problem.range) == 'table' and type(problem.range.start) == 'table' then
    line = problem.range.start.line
  end
  local parts = {}
  if type(problem.code) == 'string' then
    table.insert(parts, problem.code)
  end
  if type(line) == 'number' then
    table.insert(parts, 'line ' .. (line + 1) .. ':')
  end
  table.insert(parts, text(problem.message))
  return table.concat(parts, ' '), type(line) == 'number' and line or nil
end

--- Lines for an `airules/rules` result, and what <CR> opens on each line.
function M.render(result, root_dir)
  local rules = list(result.rules)
  local lines = {
    ('airules: %d rules in %s, generation %s   (<CR> open, r refresh, q close)'):format(
      #rules,
      text(root_dir),
      text(result.generation)
    ),
    '',
  }
  local targets = {}
  local width = { id = 2, layer = 5, format = 6 }
  for _, rule in ipairs(rules) do
    width.id = math.max(width.id, vim.fn.strdisplaywidth(text(rule.id)))
    width.layer = math.max(width.layer, #text(rule.layer))
    width.format = math.max(width.format, #text(rule.format))
  end
  local heading = { pad('ID', width.id), pad('LAYER', width.layer), pad('FORMAT', width.format) }
  vim.list_extend(heading, { 'PRIO', pad('STATUS', 10), 'DESCRIPTION' })
  table.insert(lines, table.concat(heading, '  '))
  for _, rule in ipairs(rules) do
    table.insert(
      lines,
      table.concat({
        pad(text(rule.id), width.id),
        pad(text(rule.layer), width.layer),
        pad(text(rule.format), width.format),
        string.format('%4s', text(rule.priority)),
        pad(text(rule.status), 10),
        text(rule.description),
      }, '  ')
    )
    targets[#lines] = { uri = rule.uri }
    if type(rule.problems) == 'number' and rule.problems > 0 then
      -- The details are the diagnostics of the file, shown once it is open.
      table.insert(lines, ('    ! %d problem%s'):format(rule.problems, rule.problems == 1 and '' or 's'))
      targets[#lines] = { uri = rule.uri }
    end
    for _, problem in ipairs(list(rule.problems)) do
      local message, line = describe_problem(problem)
      table.insert(lines, '    ! ' .. message)
      targets[#lines] = { uri = rule.uri, line = line }
    end
  end
  return lines, targets
end

--- What <CR> would open on line `lnum` (1-based) of the list `buf`.
function M.target(buf, lnum)
  local view = views[buf]
  return view and view.targets and view.targets[lnum]
end

--- Opens the rule file under the cursor, in the window the list came from.
function M.open_under_cursor()
  local buf = vim.api.nvim_get_current_buf()
  local target = M.target(buf, vim.api.nvim_win_get_cursor(0)[1])
  if not target or type(target.uri) ~= 'string' then
    return
  end
  local path = vim.uri_to_fname(target.uri)
  -- The previous window, else any window showing a file; scratch views
  -- (context, this list) are never replaced.
  local function is_file_window(win)
    return win ~= 0 and vim.api.nvim_win_is_valid(win) and vim.bo[vim.api.nvim_win_get_buf(win)].buftype == ''
  end
  local target_win = vim.fn.win_getid(vim.fn.winnr('#'))
  if not is_file_window(target_win) then
    target_win = nil
    for _, win in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
      if is_file_window(win) then
        target_win = win
        break
      end
    end
  end
  if target_win then
    vim.api.nvim_set_current_win(target_win)
  else
    vim.cmd('aboveleft split')
  end
  vim.cmd('edit ' .. vim.fn.fnameescape(path))
  if target.line then
    local last = vim.api.nvim_buf_line_count(0)
    vim.api.nvim_win_set_cursor(0, { math.min(target.line + 1, last), 0 })
  end
end

--- Asks the server again for the list shown in `buf`.
function M.refresh(buf)
  scratch.refresh(views, buf, {
    message = function(msg)
      return 'airules: ' .. msg
    end,
    send = function(client, _, callback)
      -- `{}` would go out as a JSON array: an empty object needs empty_dict().
      lsp.request(client, 'airules/rules', vim.empty_dict(), nil, callback)
    end,
    show = function(b, view, client, result)
      local lines, targets = M.render(result, lsp.root_of(client))
      view.targets = targets
      scratch.set_lines(b, lines)
    end,
  })
end

local function create_view(client)
  return scratch.create(views, { client_id = client.id, targets = {} }, {
    name = 'airules://rules/' .. client.id,
    filetype = 'airules',
    loading = 'airules: loading…',
    what = 'rule list',
  }, function(b)
    M.refresh(b)
  end, { { '<CR>', M.open_under_cursor, 'Open the rule file under the cursor' } })
end

--- Lists the rules of the server serving `bufnr`.
function M.open(bufnr)
  client_for(bufnr, function(client, err)
    if not client then
      return vim.notify('airules: ' .. err, vim.log.levels.WARN)
    end
    local buf = M.view_for(client.id) or create_view(client)
    local shown = false
    for _, win in ipairs(vim.api.nvim_list_wins()) do
      if vim.api.nvim_win_get_buf(win) == buf then
        vim.api.nvim_set_current_win(win)
        shown = true
      end
    end
    if not shown then
      vim.cmd('botright split')
      vim.api.nvim_win_set_buf(0, buf)
      vim.wo.wrap = false
    end
    M.refresh(buf)
  end)
end

--- The scratch buffer listing the rules of `client_id`, if there is one.
function M.view_for(client_id)
  for buf, view in pairs(views) do
    if view.client_id == client_id and vim.api.nvim_buf_is_valid(buf) then
      return buf
    end
  end
  return nil
end

scratch.register(views, M.refresh)

return M
