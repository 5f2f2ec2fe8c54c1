// The client side of cmd/airules' BenchmarkContextVSCode: `airules serve --stdio`
// driven by VS Code's own JSON-RPC library (vscode-jsonrpc, from the extension's
// node_modules), as the extension drives it. It prints one JSON object on stdout:
// the round trips of airules/context and of a floor request answered at once (ms),
// the answers' bytes and the server's resident memory (kB) after the requests, and for
// each request whether it was the first for its file (an answer the server computes; the
// others it has cached).
//
//   node bench-client.mjs BIN ROOT CACHE MAXTOKENS SOURCES.json REQUESTS cold|warm
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { PassThrough } from 'node:stream';
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
  conn.onNotification((method) => {
    if (method === 'airules/indexChanged') ready();
  });
  // The token counting's $/progress: a session that waits for its end stores every count.
  // vscode-jsonrpc hands $/progress to the handlers of its tokens, never to the
  // catch-all notification handler; a token nobody registered ends up here.
  conn.onUnhandledProgress(({ token, value }) => {
    if (!String(token).startsWith('airules-tokens-')) return;
    if (value?.kind === 'begin') countingBegan = true;
    if (value?.kind === 'end') counted();
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

// warmClient runs vscode-jsonrpc's code for a few thousand round trips, small and large,
// over an in-process loopback connection, before any server starts. An editor's
// extension host has long compiled that code; a fresh node process compiles it during
// its first thousand requests, and V8's compiler threads then compete with the server
// for the machine's cores, which showed as stalls of 2-5 ms in the round trips of an
// echo server at the same request numbers, run after run. The server sees none of this.
async function warmClient() {
  const up = new PassThrough(), down = new PassThrough();
  const server = rpc.createMessageConnection(new rpc.StreamMessageReader(up), new rpc.StreamMessageWriter(down));
  const client = rpc.createMessageConnection(new rpc.StreamMessageReader(down), new rpc.StreamMessageWriter(up));
  const large = {
    rules: Array.from({ length: 25 }, (_, i) => ({ id: `rule/${i}`, uri: `file:///w/.ai-rules/rule/${i}.md`,
      description: `Rule ${i}`, layer: 'project', format: 'airules', priority: i, scope: ['language'],
      reasons: ['glob **/*.go'], tokens: 300 })),
    omitted: Array.from({ length: 50 }, (_, i) => ({ id: `omitted/${i}`, reason: 'budget', tokens: 320,
      description: `Rule ${i}`, uri: `file:///w/.ai-rules/omitted/${i}.md` })),
    prompt: 'keep modules cohesive and name things after what they hold\n'.repeat(700),
  };
  server.onRequest('warm/small', () => null);
  server.onRequest('warm/large', () => large);
  server.listen();
  client.listen();
  for (let i = 0; i < 3000; i++) {
    await client.sendRequest('warm/small', { textDocument: { uri: 'untitled:warm' } });
    if (i % 3 === 0) JSON.stringify(await client.sendRequest('warm/large', { textDocument: { uri: 'untitled:warm' } }));
  }
  client.dispose();
  server.dispose();
}

function rssKB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

// cpuTicksOf is a process's user and system time (/proc/PID/stat, clock ticks of 10 ms):
// unlike a round trip it is not stretched by the host's other tenants.
function cpuTicksOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime, stime (fields 14 and 15)
  } catch {
    return null;
  }
}

await warmClient();
if (start === 'warm') {
  // A previous session that asked for every source file once, let the server count
  // every rule, and shut down.
  const prep = await startServer();
  for (const rel of sources) await prep.context(rel);
  await prep.waitCounted();
  await prep.stop();
}
const srv = await startServer();
// mulberry32: every source file is as likely as any other. (A linear congruential
// generator in floating point, used before, drew only 11 of 160 files.)
let seed = 12345;
const next = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return (t ^ (t >>> 14)) >>> 0;
};
// The machine's stolen and total CPU time (/proc/stat, clock ticks): on a shared VM the
// host's other tenants stretch the tail of the round trips, and the run says how much.
function cpuTicks() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    if (f[0] !== 'cpu' || f.length < 9) return null;
    const v = f.slice(1, 9).map(Number); // guest time is inside user time already
    return { steal: v[7], total: v.reduce((a, b) => a + b, 0) };
  } catch {
    return null;
  }
}
const ticks0 = cpuTicks();
const serverTicks0 = cpuTicksOf(srv.child.pid);
const lat = [], floor = [], first = [];
const seen = new Set();
let bytes = 0, included = 0, listed = 0, more = 0;
for (let i = 0; i < requests; i++) {
  let t0 = performance.now();
  await srv.conn.sendRequest('textDocument/hover', {
    textDocument: { uri: 'untitled:floor' }, position: { line: 0, character: 0 },
  });
  floor.push(performance.now() - t0);
  const rel = sources[next() % sources.length];
  first.push(!seen.has(rel));
  seen.add(rel);
  t0 = performance.now();
  const res = await srv.context(rel);
  lat.push(performance.now() - t0);
  bytes += JSON.stringify(res).length;
  included += res.rules.length;
  listed += res.omitted.length;
  more += res.moreOmitted ?? 0;
}
const ticks1 = cpuTicks();
const serverTicks1 = cpuTicksOf(srv.child.pid);
const serverCPU = serverTicks0 !== null && serverTicks1 !== null ? (serverTicks1 - serverTicks0) * 10 : null;
const steal = ticks0 && ticks1 && ticks1.total > ticks0.total
  ? 100 * (ticks1.steal - ticks0.steal) / (ticks1.total - ticks0.total) : null;
const rss = rssKB(srv.child.pid);
if (process.env.AIRULES_BENCH_TRACE) {
  lat.forEach((ms, i) => { if (ms > 2) process.stderr.write(`request ${i}: ${ms.toFixed(2)} ms\n`); });
}
await srv.stop();
process.stdout.write(JSON.stringify({ lat, floor, first, bytes, rss, included, listed, more, steal, serverCPU }) + '\n');
