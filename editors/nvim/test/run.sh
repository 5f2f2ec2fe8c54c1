#!/usr/bin/env bash
# End-to-end test of the Neovim plugin against a real `airules serve`.
#
#   AIRULES_BIN=/path/to/airules editors/nvim/test/run.sh
#
# AIRULES_BIN        the airules binary (default: built from this checkout with go,
#                    else `airules` from PATH)
# AIRULES_WORKSPACE  the workspace to test in (default: testdata/example of this
#                    checkout); it is copied first, the test writes rule files
# AIRULES_NVIM       the nvim to use (default: nvim from PATH)
#
# Prints one PASS/FAIL line per check and "N passed, M failed".
# Exit status: 0 all passed; 1 a check failed, Neovim failed or timed out;
# 77 nvim is not installed (nothing was tested).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
plugin=$(dirname "$here")
repo=$(cd "$plugin/../.." && pwd)
nvim=${AIRULES_NVIM:-nvim}

if ! command -v "$nvim" >/dev/null 2>&1; then
  echo "SKIP: $nvim not found (Debian: apt-get install neovim)"
  exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/airules-nvim-e2e.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

bin=${AIRULES_BIN:-}
if [ -z "$bin" ]; then
  if command -v go >/dev/null 2>&1 && [ -f "$repo/go.mod" ]; then
    echo "building airules from $repo"
    (cd "$repo" && go build -o "$tmp/airules" ./cmd/airules) || { echo "FAIL build"; exit 1; }
    bin=$tmp/airules
  else
    bin=$(command -v airules) || { echo "FAIL: set AIRULES_BIN to the airules binary"; exit 1; }
  fi
fi
case $bin in /*) ;; *) bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin") ;; esac
[ -x "$bin" ] || { echo "FAIL: $bin is not executable"; exit 1; }

src=${AIRULES_WORKSPACE:-$repo/testdata/example}
case $src in /*) ;; *) [ -d "$src" ] || src=$repo/$src ;; esac
[ -d "$src" ] || { echo "FAIL: workspace $src not found"; exit 1; }

ws=$tmp/ws
mkdir -p "$ws"
cp -a "$src/." "$ws/"
ws=$(cd "$ws" && pwd -P)

# Keep the server's index, user rules and Neovim's state out of the real home.
export XDG_CACHE_HOME=$tmp/cache XDG_CONFIG_HOME=$tmp/config XDG_DATA_HOME=$tmp/data XDG_STATE_HOME=$tmp/state
export AIRULES_BIN=$bin AIRULES_TEST_WS=$ws AIRULES_TEST_OUT=$tmp/results.txt
export AIRULES_PLUGIN_DIR=$plugin AIRULES_TEST_LOG=$tmp/server.log

timeout -k 5 120 "$nvim" --headless --clean -u NONE -i NONE -n \
  -c "luafile $here/e2e.lua" </dev/null >"$tmp/nvim.out" 2>&1
rc=$?

passed=0 failed=0
if [ -f "$tmp/results.txt" ]; then
  cat "$tmp/results.txt"
  passed=$(grep -c '^PASS ' "$tmp/results.txt")
  failed=$(grep -c '^FAIL ' "$tmp/results.txt")
fi
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
  echo "FAIL nvim: timed out after 120 s"
  failed=$((failed + 1))
elif [ $rc -ne 0 ]; then
  echo "FAIL nvim: exited with status $rc"
  failed=$((failed + 1))
fi
if ! grep -qx DONE "$tmp/results.txt" 2>/dev/null; then
  echo "FAIL e2e: the test did not finish"
  failed=$((failed + 1))
fi

if [ "$failed" -ne 0 ]; then
  for f in "$tmp/nvim.out" "$tmp/server.log" "$XDG_CACHE_HOME/nvim/lsp.log" "$XDG_STATE_HOME/nvim/lsp.log"; do
    if [ -s "$f" ]; then
      echo "---- tail of ${f#"$tmp"/}"
      tail -n 40 "$f"
    fi
  done
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
