-- Team rules live in a NATS bucket, not in files: their URIs (airules-team://<bucket>/<id>,
-- in hover links and go-to) open as read-only buffers filled from the server's cache of
-- the bucket (airules/teamRule).
local lsp = require('airules.lsp')

local M = {}

M.scheme = 'airules-team'

local function fill(bufnr, lines)
  vim.api.nvim_buf_set_option(bufnr, 'modifiable', true)
  vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, lines)
  vim.api.nvim_buf_set_option(bufnr, 'modifiable', false)
  vim.api.nvim_buf_set_option(bufnr, 'modified', false)
end

--- Reads the team rule of buffer `bufnr`, whose name is its airules-team:// URI, into
--- it. Any running airules client answers: the team layer is the same in every folder.
function M.read(bufnr)
  local uri = vim.api.nvim_buf_get_name(bufnr)
  vim.api.nvim_buf_set_option(bufnr, 'buftype', 'nofile')
  vim.api.nvim_buf_set_option(bufnr, 'swapfile', false)
  vim.api.nvim_buf_set_option(bufnr, 'filetype', 'markdown')
  vim.api.nvim_buf_set_option(bufnr, 'readonly', true)
  local client = lsp.clients()[1]
  if not client then
    fill(bufnr, { '<!-- the airules server is not running: ' .. uri .. ' cannot be read -->' })
    return
  end
  fill(bufnr, { '<!-- reading ' .. uri .. ' … -->' })
  lsp.request(client, 'airules/teamRule', { uri = uri }, nil, function(err, result)
    if not vim.api.nvim_buf_is_valid(bufnr) then
      return
    end
    if err or type(result) ~= 'table' or type(result.text) ~= 'string' then
      fill(bufnr, { '<!-- ' .. uri .. ': ' .. ((err and err.message) or 'no such team rule') .. ' -->' })
      return
    end
    fill(bufnr, vim.split(result.text, '\n', { plain = true }))
    vim.b[bufnr].airules_team_revision = result.revision
  end)
end

--- Registers the reader for the scheme's buffers.
function M.setup(group)
  vim.api.nvim_create_autocmd('BufReadCmd', {
    group = group,
    pattern = M.scheme .. '://*',
    callback = function(args)
      M.read(args.buf)
    end,
  })
end

return M
