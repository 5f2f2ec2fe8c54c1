-- luacheck configuration: run `luacheck .` in editors/nvim
std = 'luajit'
globals = { 'vim' }
max_line_length = 120
