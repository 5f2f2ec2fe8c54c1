// The client side of cmd/airules' BenchmarkContextVSCode: `airules serve --stdio`
// driven by VS Code's own JSON-RPC library (vscode-jsonrpc, from the extension's
// node_modules), as the extension drives it. It prints one JSON object on stdout:
// the round trips of airules/context and of a floor request answered at once (ms),
// the answers' bytes and the server's resident memory (kB) after the requests.
//
//   node bench-client.mjs BIN ROOT CACHE MAXTOKENS SOURCES.json REQUESTS cold|warm
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const rpc = require('vscode-jsonrpc/node');

const [bin, root, cache, maxTokensArg, sourcesFile, requestsArg, start] = process.argv.slice(2);
const maxTokens = Number(maxTokensArg);
const requests = Number(requestsArg);
const sources = JSON.parse(readFileSync(sourcesFile, 'utf8'));
const rootURI = pathToFileURL(root).href;

async function startServer() {
  const child = spawn(bin, ['serve', '--stdio', '--log-level', 'error'], {
    env: { ...process.env, XDG_CACHE_HOME: cache, XDG_CONFIG_HOME: cache },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const conn = rpc.createMessageConnection(
    new rpc.StreamMessageReader(child.stdout), new rpc.StreamMessageWriter(child.stdin));
  let ready, counted;
  let countingBegan = false;
  const indexed = new Promise((resolve) => { ready = resolve; });
  const countingEnded = new Promise((resolve) => { counted = resolve; });
  conn.onNotification((method, params) => {
    if (method === 'airules/indexChanged') ready();
    // The token counting's $/progress: a session that waits for its end stores every count.
    if (method === '$/progress' && String(params?.token).startsWith('airules-tokens-')) {
      if (params.value?.kind === 'begin') countingBegan = true;
      if (params.value?.kind === 'end') counted();
    }
  });
  conn.onRequest(() => null);
  conn.listen();
  await conn.sendRequest('initialize', {
    processId: process.pid, rootUri: rootURI, capabilities: { window: { workDoneProgress: true } },
    workspaceFolders: [{ uri: rootURI, name: 'bench' }],
  });
  conn.sendNotification('initialized', {});
  await indexed;
  const context = (rel) => conn.sendRequest('airules/context', {
    textDocument: { uri: `${rootURI}/${rel}` }, maxTokens,
  });
  const waitCounted = async () => { if (countingBegan) await countingEnded; };
  const stop = async () => {
    await conn.sendRequest('shutdown');
    conn.sendNotification('exit');
    await exited;
    conn.dispose();
  };
  return { child, conn, context, waitCounted, stop };
}

function rssKB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

if (start === 'warm') {
  // A previous session that asked for every source file once, let the server count
  // every rule, and shut down.
  const prep = await startServer();
  for (const rel of sources) await prep.context(rel);
  await prep.waitCounted();
  await prep.stop();
}
const srv = await startServer();
let seed = 12345;
const next = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed; };
const lat = [], floor = [];
let bytes = 0, included = 0, listed = 0, more = 0;
for (let i = 0; i < requests; i++) {
  let t0 = performance.now();
  await srv.conn.sendRequest('textDocument/hover', {
    textDocument: { uri: 'untitled:floor' }, position: { line: 0, character: 0 },
  });
  floor.push(performance.now() - t0);
  const rel = sources[next() % sources.length];
  t0 = performance.now();
  const res = await srv.context(rel);
  lat.push(performance.now() - t0);
  bytes += JSON.stringify(res).length;
  included += res.rules.length;
  listed += res.omitted.length;
  more += res.moreOmitted ?? 0;
}
const rss = rssKB(srv.child.pid);
if (process.env.AIRULES_BENCH_TRACE) {
  lat.forEach((ms, i) => { if (ms > 2) process.stderr.write(`request ${i}: ${ms.toFixed(2)} ms\n`); });
}
await srv.stop();
process.stdout.write(JSON.stringify({ lat, floor, bytes, rss, included, listed, more }) + '\n');
