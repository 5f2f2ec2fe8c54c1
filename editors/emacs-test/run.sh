#!/usr/bin/env bash
# Batch test: Emacs 28 + eglot (Debian: apt-get install emacs-nox elpa-eglot)
# start `airules serve`, read a diagnostic, clear it, ask airules/context.
#
#   AIRULES_BIN=/path/to/airules editors/emacs-test/run.sh
#
# AIRULES_WORKSPACE defaults to testdata/example; it is copied first.
# Exit status: 0 passed; 1 failed or timed out; 77 emacs or eglot missing.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

if ! command -v emacs >/dev/null 2>&1; then
  echo "SKIP: emacs not found (Debian: apt-get install emacs-nox elpa-eglot)"
  exit 77
fi
if ! emacs --batch --eval '(progn (package-initialize) (require (quote eglot)))' >/dev/null 2>&1; then
  echo "SKIP: eglot not found (Debian: apt-get install elpa-eglot)"
  exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/airules-eglot.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

bin=${AIRULES_BIN:-}
if [ -z "$bin" ]; then
  echo "building airules from $repo"
  (cd "$repo" && go build -o "$tmp/airules" ./cmd/airules) || { echo "FAIL build"; exit 1; }
  bin=$tmp/airules
fi
case $bin in /*) ;; *) bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin") ;; esac

src=${AIRULES_WORKSPACE:-$repo/testdata/example}
case $src in /*) ;; *) [ -d "$src" ] || src=$repo/$src ;; esac
mkdir -p "$tmp/ws" && cp -a "$src/." "$tmp/ws/"

export XDG_CACHE_HOME=$tmp/cache XDG_CONFIG_HOME=$tmp/config HOME=$tmp/home
mkdir -p "$HOME"
export AIRULES_BIN=$bin AIRULES_TEST_WS=$(cd "$tmp/ws" && pwd -P)

timeout -k 5 120 emacs --batch -l "$here/eglot-test.el" </dev/null >"$tmp/out.txt" 2>"$tmp/err.txt"
rc=$?
grep -E '^(PASS|FAIL|INFO) ' "$tmp/out.txt"
passed=$(grep -c '^PASS ' "$tmp/out.txt")
failed=$(grep -c '^FAIL ' "$tmp/out.txt")
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
  echo "FAIL emacs: timed out after 120 s"; failed=$((failed + 1))
elif [ $rc -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "FAIL emacs: exited with status $rc"; failed=$((failed + 1))
fi
if [ "$failed" -ne 0 ]; then
  echo "---- tail of emacs stderr"; tail -n 30 "$tmp/err.txt"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
