-- :AiRulesInfo: the server's status for the current buffer.
local buffers = require('airules.buffers')
local config = require('airules.config')
local lsp = require('airules.lsp')
local status = require('airules.status')

local M = {}

local function show_lines(lines)
  vim.api.nvim_echo({ { table.concat(lines, '\n') } }, true, {})
end

--- The report for the current buffer; `callback(lines)` receives it instead of
--- it being echoed.
function M.info(callback)
  local finish = callback or show_lines
  local bufnr = buffers.source_buffer(buffers.current())
  local v = vim.version()
  local lines = {
    ('airules.nvim on Neovim %d.%d.%d, clients started with %s'):format(v.major, v.minor, v.patch, lsp.mode()),
  }
  local cmd = config.values.cmd
  if type(cmd) == 'table' then
    local ok = vim.fn.executable(cmd[1]) == 1
    table.insert(lines, 'cmd: ' .. table.concat(cmd, ' ') .. (ok and '' or '  (NOT EXECUTABLE)'))
  end
  local path = buffers.file_path(bufnr)
  if path then
    local dir, has_rules = config.root(path)
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
    local here = status.cached(bufnr)
    if here ~= '' then
      table.insert(lines, 'this buffer: ' .. here)
    end
    finish(lines)
  end)
end

return M
