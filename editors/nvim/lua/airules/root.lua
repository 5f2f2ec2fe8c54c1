-- Workspace root detection: the nearest folder upwards that holds rules.
local M = {}

local uv = vim.loop

--- The paths whose presence marks a folder as a workspace with rules.
function M.markers(rules_dir)
  return { rules_dir or '.ai-rules', '.cursor/rules', '.github/instructions', 'AGENTS.md', 'CLAUDE.md' }
end

local function exists(path)
  return uv.fs_stat(path) ~= nil
end

--- Finds the workspace root for the file `path`.
---
--- Walks up from the file's folder and returns `root, true` for the first
--- folder that holds one of `markers`. A folder with `.git` ends the walk: a
--- repository is a boundary, and rule files above it belong to someone else.
--- Then `root, false` is returned (a root, but no rules seen in it).
--- Returns nil when neither was found.
function M.find(path, markers)
  if not path or path == '' then
    return nil, false
  end
  markers = markers or M.markers()
  local dir = vim.fn.fnamemodify(path, ':p')
  if not exists(dir) or uv.fs_stat(dir).type ~= 'directory' then
    dir = vim.fn.fnamemodify(dir, ':h')
  end
  dir = dir:gsub('(.)/+$', '%1')
  while true do
    for _, marker in ipairs(markers) do
      if exists(dir .. '/' .. marker) then
        return dir, true
      end
    end
    if exists(dir .. '/.git') then
      return dir, false
    end
    local parent = vim.fn.fnamemodify(dir, ':h')
    if parent == dir then
      return nil, false
    end
    dir = parent
  end
end

--- True when `path` is `root` or lies below it.
function M.contains(root, path)
  if not root or not path then
    return false
  end
  if root == '/' then
    return path:sub(1, 1) == '/'
  end
  return path == root or path:sub(1, #root + 1) == root .. '/'
end

return M
