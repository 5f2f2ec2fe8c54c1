-- End-to-end test of airules.nvim against a real `airules serve`, run by
-- test/run.sh in headless Neovim:
--   nvim --headless --clean -u NONE -c "luafile editors/nvim/test/e2e.lua"
-- Environment: AIRULES_BIN (the binary), AIRULES_TEST_WS (a scratch copy of
-- the workspace; this test writes into it), AIRULES_TEST_OUT (results file),
-- AIRULES_PLUGIN_DIR (editors/nvim), AIRULES_TEST_LOG (server log file).
-- Writes one "PASS <check>" / "FAIL <check>: <why>" line per check, then
-- "DONE"; run.sh treats a missing DONE as a failure.
local bin = assert(os.getenv('AIRULES_BIN'), 'AIRULES_BIN is not set')
local ws = assert(os.getenv('AIRULES_TEST_WS'), 'AIRULES_TEST_WS is not set')
local out_path = assert(os.getenv('AIRULES_TEST_OUT'), 'AIRULES_TEST_OUT is not set')
local plugin_dir = assert(os.getenv('AIRULES_PLUGIN_DIR'), 'AIRULES_PLUGIN_DIR is not set')

local out = assert(io.open(out_path, 'w'))
local function line(s)
  out:write(s, '\n')
  out:flush()
end
local function pass(name)
  line('PASS ' .. name)
end
local function fail(name, why)
  line('FAIL ' .. name .. ': ' .. tostring(why):gsub('\n', ' | '))
end

-- Runs one check; an error inside it (assert, timeout) is its failure.
local function check(name, fn)
  local ok, err = pcall(fn)
  if ok then
    pass(name)
  else
    fail(name, err)
  end
  return ok
end

local function wait_for(what, ms, cond)
  local value
  local ok = vim.wait(ms, function()
    value = cond()
    return value ~= nil and value ~= false
  end, 20)
  if not ok then
    error('timed out after ' .. ms .. ' ms waiting for ' .. what, 0)
  end
  return value
end

local function write_file(path, text)
  vim.fn.mkdir(vim.fn.fnamemodify(path, ':h'), 'p')
  local f = assert(io.open(path, 'w'))
  f:write(text)
  f:close()
end

local function join(list)
  return table.concat(list, ', ')
end

-- What the CLI says applies to `file` (with more flags if given): the
-- expectation of every context check.
local function cli_context(file, ...)
  local raw = vim.fn.system({
    'sh', '-c', 'root=$1 file=$2; shift 2; exec "$0" context --root "$root" --json "$file" "$@" 2>/dev/null',
    bin, ws, file, ...
  })
  if vim.v.shell_error ~= 0 then
    error('airules context exited ' .. vim.v.shell_error .. ': ' .. raw, 0)
  end
  local ok, decoded = pcall(vim.json.decode, raw)
  if not ok or type(decoded) ~= 'table' then
    error('airules context --json printed no JSON: ' .. raw:sub(1, 300), 0)
  end
  local ids = {}
  for _, rule in ipairs(type(decoded.rules) == 'table' and decoded.rules or {}) do
    table.insert(ids, rule.id)
  end
  return decoded, ids
end

local function buffer_text(buf)
  return table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n')
end

-- The rule ids named in a context view's header comment.
local function view_ids(buf)
  for _, l in ipairs(vim.api.nvim_buf_get_lines(buf, 0, 5, false)) do
    local ids = l:match('^<!%-%- rules: (.-) %-%->$')
    if ids then
      return ids == '' and {} or vim.split(ids, ', ', { plain = true })
    end
  end
  return nil
end

-- The header comment of a context view that names the omitted rules.
local function view_omitted(buf)
  for _, l in ipairs(vim.api.nvim_buf_get_lines(buf, 0, 5, false)) do
    if l:find('<!-- omitted: ', 1, true) == 1 then
      return l
    end
  end
  return nil
end

-- The prompt part of a context view: everything after the first blank line.
local function view_prompt(buf)
  local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  for i, l in ipairs(lines) do
    if l == '' then
      return table.concat(lines, '\n', i + 1)
    end
  end
  return ''
end

local function airules_diagnostics(buf)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    if d.source == 'airules' or (type(d.code) == 'string' and d.code:match('^AIR%d+$')) then
      table.insert(found, d)
    end
  end
  return found
end

local function describe(diags)
  local parts = {}
  for _, d in ipairs(diags) do
    table.insert(parts, ('%s@%d %s'):format(tostring(d.code), d.lnum, d.message))
  end
  return '[' .. table.concat(parts, '; ') .. ']'
end

local function hover_text(result)
  local contents = result and result.contents
  if type(contents) == 'string' then
    return contents
  end
  if type(contents) == 'table' then
    if contents.value then
      return contents.value
    end
    local parts = {}
    for _, item in ipairs(contents) do
      table.insert(parts, type(item) == 'table' and item.value or tostring(item))
    end
    return table.concat(parts, '\n')
  end
  return ''
end

local function run()
  vim.opt.runtimepath:prepend(plugin_dir)
  vim.cmd('filetype on')
  vim.cmd('runtime plugin/airules.lua')
  local airules = require('airules')
  local lsp = require('airules.lsp')
  airules.setup({
    cmd = { bin, 'serve' },
    log_file = os.getenv('AIRULES_TEST_LOG'),
    log_level = 'debug',
  })
  local v = vim.version()
  line(('INFO neovim %d.%d.%d, %s'):format(v.major, v.minor, v.patch, lsp.mode()))

  -- Outside any workspace: a filetype for .mdc, and no server.
  check('mdc filetype is markdown, no server outside a workspace', function()
    local outside = vim.fn.fnamemodify(ws, ':h') .. '/outside/cursor-rule.mdc'
    write_file(outside, '---\ndescription: x\n---\nbody\n')
    vim.cmd('edit ' .. vim.fn.fnameescape(outside))
    assert(vim.bo.filetype == 'markdown', 'filetype is "' .. vim.bo.filetype .. '"')
    -- Barrier: the plugin records its decision when it has made it; a client
    -- it started would be attached by then.
    local buf = vim.api.nvim_get_current_buf()
    local decision = wait_for('the attach decision', 5000, function()
      local ok, d = pcall(vim.api.nvim_buf_get_var, buf, 'airules_attach')
      return ok and d
    end)
    assert(decision == 'no workspace', 'b:airules_attach is "' .. tostring(decision) .. '"')
    assert(#lsp.clients(0) == 0, 'a client attached outside the workspace')
    assert(airules.status() == '', 'status is "' .. airules.status() .. '"')
  end)

  local src = ws .. '/lib/app_web/live/page_live.ex'
  vim.cmd('edit ' .. vim.fn.fnameescape(src))
  local src_buf = vim.api.nvim_get_current_buf()
  local src_win = vim.api.nvim_get_current_win()
  local client
  local attached = check('server starts and attaches to a source file', function()
    client = wait_for('the airules client to initialize', 15000, function()
      local c = lsp.clients(src_buf)[1]
      return c and c.initialized and c
    end)
    assert(lsp.root_of(client) == ws, 'root is ' .. tostring(lsp.root_of(client)))
    assert(vim.b[src_buf].airules_attach == 'attached', 'b:airules_attach is ' .. tostring(vim.b[src_buf].airules_attach))
  end)
  if not attached then
    return
  end

  local expected, expected_ids
  check('airules context --json (the expectation) works', function()
    expected, expected_ids = cli_context(src)
    assert(#expected_ids > 0, 'the CLI lists no rules for ' .. src)
    line('INFO expected rules: ' .. join(expected_ids))
  end)

  local view
  check(':AiRulesContext shows the expected rules in order', function()
    vim.cmd('AiRulesContext')
    view = wait_for('the context view', 10000, function()
      local buf = require('airules.context').view_for(src_buf)
      return buf and view_ids(buf) and buf
    end)
    local got = view_ids(view)
    assert(vim.deep_equal(got, expected_ids), 'got [' .. join(got) .. '], CLI [' .. join(expected_ids) .. ']')
    assert(vim.bo[view].filetype == 'markdown', 'view filetype ' .. vim.bo[view].filetype)
  end)

  check(':AiRulesContext shows the same prompt as the CLI', function()
    assert(view, 'no view')
    local got = view_prompt(view)
    local want = (expected.prompt or ''):gsub('\n+$', '')
    assert(got:gsub('\n+$', '') == want, 'prompt differs:\n' .. got:sub(1, 400) .. '\n--- CLI:\n' .. want:sub(1, 400))
    local text = buffer_text(view)
    for _, id in ipairs(expected_ids) do
      assert(text:find(id, 1, true), id .. ' is not in the view')
    end
  end)

  check('statusline shows the rule count', function()
    local want = 'AI:' .. #expected_ids
    wait_for('status ' .. want, 5000, function()
      return airules.status(src_buf) == want
    end)
  end)

  check('hover on a source file lists the rules', function()
    vim.api.nvim_set_current_win(src_win)
    local params = {
      textDocument = { uri = vim.uri_from_bufnr(src_buf) },
      position = { line = 0, character = 0 },
    }
    local responses = vim.lsp.buf_request_sync(src_buf, 'textDocument/hover', params, 5000)
    local response = responses and responses[client.id]
    assert(response, 'no hover answer from client ' .. client.id)
    assert(not response.err, 'hover error: ' .. vim.inspect(response.err))
    local text = hover_text(response.result)
    local last = 0
    for _, id in ipairs(expected_ids) do
      local at = text:find(id, 1, true)
      assert(at, id .. ' is not in the hover: ' .. text:sub(1, 300))
      assert(at > last, id .. ' is out of order in the hover')
      last = at
    end
  end)

  check(':AiRulesCopy copies the prompt', function()
    vim.fn.setreg('a', '')
    vim.api.nvim_set_current_win(src_win)
    vim.cmd('AiRulesCopy a')
    wait_for('register a', 5000, function()
      return vim.fn.getreg('a') ~= ''
    end)
    assert(vim.fn.getreg('a') == expected.prompt, 'register a differs from the CLI prompt')
  end)

  -- A new rule that applies everywhere: the server's watcher reindexes, sends
  -- airules/indexChanged, and the open view follows.
  local added = '00-global/zz-e2e-added'
  check('indexChanged refreshes the context view', function()
    local before = airules.generation(client.id)
    write_file(
      ws .. '/.ai-rules/' .. added .. '.md',
      '---\ndescription: Added by the Neovim end-to-end test\npriority: 99\nscope: [global]\nalwaysApply: true\n---\n'
        .. '- Rules added while the editor is open apply at once.\n'
    )
    wait_for('airules/indexChanged', 10000, function()
      local now = airules.generation(client.id)
      return now ~= nil and now ~= before
    end)
    local _, ids = cli_context(src)
    assert(vim.tbl_contains(ids, added), 'the CLI does not list ' .. added)
    wait_for('the view to list ' .. added, 5000, function()
      return vim.deep_equal(view_ids(view), ids)
    end)
    wait_for('status AI:' .. #ids, 5000, function()
      return airules.status(src_buf) == 'AI:' .. #ids
    end)
  end)

  check('code lens runs airules.showContext', function()
    local caps = client.server_capabilities or {}
    if not caps.codeLensProvider then
      error('the server offers no code lens', 0)
    end
    vim.api.nvim_set_current_win(src_win)
    vim.lsp.codelens.refresh()
    local lens = wait_for('a code lens', 5000, function()
      for _, l in ipairs(vim.lsp.codelens.get(src_buf) or {}) do
        if l.command and l.command.command == 'airules.showContext' then
          return l
        end
      end
    end)
    local fn = vim.lsp.commands['airules.showContext']
    assert(fn, 'no handler registered for airules.showContext')
    fn(lens.command, { bufnr = src_buf, client_id = client.id })
    wait_for('the context view', 5000, function()
      local buf = require('airules.context').view_for(src_buf)
      return buf and vim.fn.bufwinnr(buf) ~= -1
    end)
  end)

  -- A rule file with a wrong type: frontmatter line 2 (0-based) is the key.
  local broken = ws .. '/.ai-rules/00-global/zz-e2e-broken.md'
  write_file(
    broken,
    '---\ndescription: Broken by the Neovim end-to-end test\npriority: high\nscope: [global]\nalwaysApply: true\n---\n'
      .. '- Body.\n'
  )
  vim.api.nvim_set_current_win(src_win)
  vim.cmd('edit ' .. vim.fn.fnameescape(broken))
  local rule_buf = vim.api.nvim_get_current_buf()

  local diagnosed = check('AIR004 on the line of `priority: high`', function()
    local diag = wait_for('diagnostic AIR004', 10000, function()
      for _, d in ipairs(airules_diagnostics(rule_buf)) do
        if d.code == 'AIR004' then
          return d
        end
      end
    end)
    assert(diag.lnum == 2, 'AIR004 at line ' .. diag.lnum .. ', want 2')
  end)

  check('fixing the line in the buffer clears the diagnostics', function()
    if not diagnosed then
      error('no diagnostic to clear', 0)
    end
    vim.api.nvim_buf_set_lines(rule_buf, 2, 3, false, { 'priority: 50' })
    local cleared = vim.wait(10000, function()
      return #airules_diagnostics(rule_buf) == 0
    end, 20)
    assert(cleared, 'still there after 10 s: ' .. describe(airules_diagnostics(rule_buf)))
  end)

  check(':AiRulesRules lists the rules and <CR> opens one', function()
    vim.cmd('AiRulesRules')
    local list = wait_for('the rule list', 10000, function()
      local buf = require('airules.rules').view_for(client.id)
      return buf and vim.api.nvim_buf_line_count(buf) > 3 and buf
    end)
    local lines = vim.api.nvim_buf_get_lines(list, 0, -1, false)
    local row
    for i, l in ipairs(lines) do
      if l:find(added, 1, true) == 1 then
        row = i
      end
    end
    assert(row, added .. ' is not listed:\n' .. table.concat(lines, '\n'))
    for _, id in ipairs(expected_ids) do
      assert(buffer_text(list):find(id, 1, true), id .. ' is not listed')
    end
    local win = vim.fn.bufwinid(list)
    vim.api.nvim_set_current_win(win)
    vim.api.nvim_win_set_cursor(win, { row, 0 })
    vim.cmd('execute "normal \\<CR>"')
    local opened = vim.api.nvim_buf_get_name(0)
    assert(opened == ws .. '/.ai-rules/' .. added .. '.md', '<CR> opened ' .. opened)
  end)

  check(':AiRulesInfo reports root, client, generation and rule count', function()
    vim.api.nvim_set_current_win(src_win)
    vim.api.nvim_set_current_buf(src_buf)
    local report
    airules.info(function(lines)
      report = table.concat(lines, '\n')
    end)
    wait_for('the info report', 5000, function()
      return report
    end)
    for _, want in ipairs({ '\nroot: ' .. ws .. '\n', '\nclient: id ' .. client.id .. ',' }) do
      assert(report:find(want, 1, true), 'missing "' .. vim.trim(want) .. '" in:\n' .. report)
    end
    for _, want in ipairs({ '\ngeneration: %d+', '\nrules: %d+ indexed' }) do
      assert(report:find(want), 'missing "' .. vim.trim(want) .. '" in:\n' .. report)
    end
  end)

  check('a nested repository joins the workspace around it', function()
    local nested = ws .. '/vendor/e2e_dep/lib/dep.ex'
    vim.fn.mkdir(ws .. '/vendor/e2e_dep/.git', 'p')
    write_file(nested, 'defmodule Dep do\nend\n')
    vim.cmd('edit ' .. vim.fn.fnameescape(nested))
    local buf = vim.api.nvim_get_current_buf()
    wait_for('the nested file to attach', 5000, function()
      return lsp.clients(buf)[1]
    end)
    assert(lsp.clients(buf)[1].id == client.id, 'attached to another client')
  end)

  check('one client per root', function()
    assert(#lsp.clients() == 1, #lsp.clients() .. ' airules clients running')
  end)

  check('with many rules over the budget the view says "… and N more omitted"; :AiRulesContext! lists all', function()
    assert(view, 'no view')
    -- 80 rules of the lowest priority, about 1,200 tokens each: the default budget
    -- takes a few, the rest are omitted, more than the server lists by default.
    for i = 0, 79 do
      local body = { '---', 'description: Bulk rule ' .. i, 'priority: 1', 'alwaysApply: true', '---' }
      for j = 0, 109 do
        table.insert(body, ('- Keep point %d of rule %d in mind while writing this file.'):format(j, i))
      end
      write_file(('%s/.ai-rules/00-global/zz-bulk-%02d.md'):format(ws, i), table.concat(body, '\n') .. '\n')
    end
    local want = cli_context(src)
    local all = cli_context(src, '--max-omitted', '-1')
    local more = want.moreOmitted
    assert(type(more) == 'number' and more > 0, 'the CLI leaves no omitted rule out: ' .. vim.inspect(more))
    assert(#want.omitted + more == #all.omitted, ('the CLI lists %d and %d more of %d'):format(#want.omitted, more, #all.omitted))
    local said = ('… and %d more omitted'):format(more)
    local header = wait_for('the view to say "' .. said .. '"', 15000, function()
      local l = view_omitted(view)
      return l and l:find(said, 1, true) and l
    end)
    local named = function(l, o)
      return l:find(o.id .. ' (' .. o.reason .. ')', 1, true) ~= nil
    end
    for i, o in ipairs(all.omitted) do
      assert(named(header, o) == (i <= #want.omitted), o.id .. (i <= #want.omitted and ' is not named' or ' is named'))
    end

    vim.api.nvim_set_current_win(src_win)
    vim.api.nvim_set_current_buf(src_buf)
    vim.cmd('AiRulesContext!')
    header = wait_for('the view to name every omitted rule', 10000, function()
      local l = view_omitted(view)
      return l and named(l, all.omitted[#all.omitted]) and l
    end)
    assert(not header:find('more omitted', 1, true), 'still counts more: ' .. header:sub(-200))
    for _, o in ipairs(all.omitted) do
      assert(named(header, o), o.id .. ' is not named')
    end
  end)

  -- :checkhealth airules, from the source file: the report is the health buffer.
  check('an airules-team:// buffer opens read-only through the server', function()
    -- No team is configured here: the server refuses the URI, and the buffer says so
    -- instead of reading a file of that name.
    vim.cmd('split airules-team://airules-team/00-global/security') -- its own window: wiped below
    local buf = vim.api.nvim_get_current_buf()
    wait_for('the server to answer airules/teamRule', 10000, function()
      return buffer_text(buf):find('no team rule', 1, true) ~= nil
    end)
    assert(not vim.api.nvim_buf_get_option(buf, 'modifiable'), 'the buffer is modifiable')
    assert(vim.api.nvim_buf_get_option(buf, 'buftype') == 'nofile', 'buftype ' .. vim.api.nvim_buf_get_option(buf, 'buftype'))
    vim.cmd('bwipeout! ' .. buf)
  end)

  local function checkhealth()
    vim.api.nvim_set_current_win(src_win)
    vim.api.nvim_set_current_buf(src_buf)
    vim.cmd('checkhealth airules')
    local report = buffer_text(0)
    vim.cmd('tabclose')
    return report
  end
  local function expect(report, wants)
    for _, want in ipairs(wants) do
      assert(report:find(want, 1, true), 'missing "' .. want .. '" in:\n' .. report)
    end
  end

  check(':checkhealth airules reports binary, version, root and the running server', function()
    local version = vim.trim(vim.fn.system({ bin, 'version' }))
    expect(checkhealth(), {
      'binary: ' .. bin,
      'version: ' .. version,
      'workspace root of the file ' .. src .. ': ' .. ws,
      ('server %d running for %s'):format(client.id, ws),
    })
  end)

  check(':checkhealth airules says that the server exited, and how', function()
    local pid = client.rpc and client.rpc.pid
    assert(type(pid) == 'number', 'no pid for the server')
    vim.loop.kill(pid, 'sigkill')
    wait_for('the client to exit', 5000, function()
      return #lsp.clients() == 0
    end)
    local report = checkhealth()
    expect(report, { ('server %d for %s exited (exit code'):format(client.id, ws), 'signal 9', 'ERROR' })
  end)

  check(':checkhealth airules says how to install a missing binary', function()
    local cmd = airules.config.cmd
    airules.config.cmd = { ws .. '/no-such-airules', 'serve' }
    local report = checkhealth()
    airules.config.cmd = cmd
    expect(report, { 'no-such-airules" is not executable', 'go install ./cmd/airules' })
  end)
end

local ok, err = pcall(run)
if not ok then
  fail('e2e script', err)
end
line('DONE')
out:close()

-- Shut the server down politely, then leave.
for _, client in ipairs(require('airules.lsp').clients()) do
  require('airules.lsp').call(client, 'stop')
end
vim.wait(2000, function()
  return #require('airules.lsp').clients() == 0
end, 50)
vim.cmd('qall!')
