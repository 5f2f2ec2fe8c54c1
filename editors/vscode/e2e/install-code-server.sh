#!/usr/bin/env bash
# Installs what e2e/code-server.mjs drives: code-server (a real VS Code; 4.100.3 is
# VS Code 1.100.3, the newest release whose engines.node is 20) and playwright-core,
# into $AIRULES_CODE_SERVER_DIR (default: ~/.cache/airules-code-server), outside the
# repository. Does nothing when they are there already.
#
# Needs node 20 and npm, and Debian's build-essential python3 libkrb5-dev
# libsecret-1-dev libx11-dev libxkbfile-dev (native modules of code-server) and
# ripgrep (.ci/run installs them).
set -euo pipefail

code_server=4.100.3
playwright=1.65.1
dir=${AIRULES_CODE_SERVER_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/airules-code-server}

installed() {
  node -e '
    const [dir, cs, pw] = process.argv.slice(1);
    const v = (p) => require(dir + "/node_modules/" + p + "/package.json").version;
    process.exit(v("code-server") === cs && v("playwright-core") === pw ? 0 : 1);
  ' "$dir" "$code_server" "$playwright" 2>/dev/null && [ -x "$dir/node_modules/.bin/code-server" ]
}
if installed; then
  echo "code-server $code_server and playwright-core $playwright are in $dir"
  exit 0
fi

# @vscode/ripgrep's postinstall downloads rg from GitHub, which is not reachable
# here. It first looks in its download cache, so put Debian's rg there in the
# archive it expects. The version and tag are those of code-server 4.100.3's lockfile.
rg=$(command -v rg) || { echo "install-code-server: rg is missing (Debian: apt-get install ripgrep)" >&2; exit 1; }
case $(uname -m) in
  x86_64) target=x86_64-unknown-linux-musl ;;
  aarch64) target=aarch64-unknown-linux-musl ;;
  *) echo "install-code-server: no ripgrep target for $(uname -m)" >&2; exit 1 ;;
esac
rgcache=$(node -p 'require("os").tmpdir()')/vscode-ripgrep-cache-1.15.11
mkdir -p "$rgcache"
tar czf "$rgcache/ripgrep-v13.0.0-10-$target.tar.gz" -C "$(dirname "$rg")" "$(basename "$rg")"

mkdir -p "$dir"
[ -f "$dir/package.json" ] || echo '{ "private": true }' >"$dir/package.json"
# As root, npm runs install scripts only with unsafe-perm; node-pty's runs
# `npx node-gyp`, which must not stop to ask.
cd "$dir"
npm_config_unsafe_perm=true npm_config_yes=true \
  npm install --no-audit --no-fund --loglevel=error "code-server@$code_server" "playwright-core@$playwright"
installed || { echo "install-code-server: the install left no working code-server in $dir" >&2; exit 1; }
echo "installed code-server $code_server and playwright-core $playwright in $dir"
