// End-to-end: start the real `airules serve` and drive it over stdio with
// vscode-languageserver-protocol, the library under vscode-languageclient, and
// through the extension's own request helpers (src/requests.ts).
//
//   AIRULES_BIN        path to the airules binary; the test is skipped without it
//   AIRULES_WORKSPACE  example workspace (default: ../../testdata/example from
//                      this package; a relative value is taken from the cwd)

import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  CodeLensRequest,
  CodeLensResolveRequest,
  DidChangeConfigurationNotification,
  ConfigurationRequest,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializeRequest,
  InitializedNotification,
  PublishDiagnosticsNotification,
  RegistrationRequest,
  ShutdownRequest,
  UnregistrationRequest,
  WorkDoneProgressCreateRequest,
  createProtocolConnection,
  type CodeLens,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { readSettings, toServerOptions } from '../src/format';
import {
  AllOmitted,
  IndexChangedMethod,
  InvalidParams,
  errorCode,
  fetchContext,
  fetchRules,
  type ContextResult,
  type IndexChangedParams,
} from '../src/requests';

// Bundled by esbuild to out/test/, two levels below the package root.
const packageRoot = path.resolve(__dirname, '..', '..');
const bin = process.env.AIRULES_BIN ? path.resolve(process.env.AIRULES_BIN) : undefined;
const workspace = process.env.AIRULES_WORKSPACE
  ? path.resolve(process.env.AIRULES_WORKSPACE)
  : path.resolve(packageRoot, '../../testdata/example');
const workspaceUri = pathToFileURL(workspace).href;
const sourceFile = path.join(workspace, 'lib/app_web/live/page_live.ex');
const sourceUri = pathToFileURL(sourceFile).href;
const logFile = path.join(packageRoot, 'out', 'airules-serve.log');

// What the extension sends by default: the same code path as in VS Code.
const initOptions = toServerOptions(readSettings({ get: () => undefined }));
const layerRank: Record<string, number> = { user: 0, project: 1, team: 2, dependency: 3 };

const skip = !bin ? 'AIRULES_BIN is not set: build the server and set it to run the integration test' : false;

// Skipping each test (not the suite) makes the runner count them as skipped.
const opts = { skip, timeout: 20_000 };

describe('airules serve (integration)', () => {
  let proc: ChildProcess;
  let conn: ProtocolConnection;
  let exitCode: Promise<number | null>;
  const diagnostics: PublishDiagnosticsParams[] = [];
  const generations: number[] = [];

  before(async () => {
    if (skip) return;
    assert.ok(fs.existsSync(bin!), `AIRULES_BIN=${bin} does not exist`);
    assert.ok(fs.existsSync(sourceFile), `example workspace is missing ${sourceFile}`);
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    const log = fs.createWriteStream(logFile);
    // As vscode-languageclient starts it with TransportKind.stdio.
    proc = spawn(bin!, ['serve', '--stdio'], { cwd: workspace, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderrTail = '';
    proc.stderr!.on('data', (chunk: Buffer) => {
      log.write(chunk);
      stderrTail = (stderrTail + chunk.toString()).slice(-2000);
    });
    // 'close' comes after stderr is drained, so stderrTail is complete by then.
    exitCode = new Promise((resolve) => proc.on('close', (code) => resolve(code)));

    conn = createProtocolConnection(proc.stdout!, proc.stdin!);
    // Behave like VS Code: answer the server's own requests.
    conn.onRequest(ConfigurationRequest.type, (p) =>
      p.items.map((item) => (item.section === 'airules' ? initOptions : null)),
    );
    conn.onRequest(RegistrationRequest.type, () => undefined);
    conn.onRequest(UnregistrationRequest.type, () => undefined);
    conn.onRequest(WorkDoneProgressCreateRequest.type, () => undefined);
    conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
      diagnostics.push(p);
    });
    conn.onNotification(IndexChangedMethod, (p: IndexChangedParams) => {
      generations.push(p.generation);
    });
    conn.listen();

    // A server that dies (say, a binary without `serve`) must fail the test
    // with its own words, not with an error about a closed pipe.
    proc.stdin!.on('error', () => {});
    const died = exitCode.then((code) => {
      throw new Error(`\`${bin} serve\` exited with status ${code} before answering initialize; stderr:\n${stderrTail}`);
    });
    died.catch(() => {}); // only awaited through the race below
    const initialize = conn.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      clientInfo: { name: 'airules-vscode-integration-test' },
      rootUri: workspaceUri,
      workspaceFolders: [{ uri: workspaceUri, name: path.basename(workspace) }],
      initializationOptions: initOptions,
      capabilities: {
        workspace: { configuration: true, workspaceFolders: true, didChangeConfiguration: {} },
        textDocument: {
          synchronization: { didSave: true },
          publishDiagnostics: { relatedInformation: true },
          hover: { contentFormat: ['markdown', 'plaintext'] },
          codeLens: {},
        },
        window: { workDoneProgress: true },
      },
    });
    let init;
    try {
      init = await Promise.race([initialize, died]);
    } catch (err) {
      // A failed write usually means the process is gone: prefer its reason.
      await Promise.race([died, new Promise((r) => setTimeout(r, 2_000))]);
      throw err;
    }
    assert.ok(init.capabilities, 'initialize result has capabilities');
    await conn.sendNotification(InitializedNotification.type, {});
  }, { timeout: 20_000 });

  after(async () => {
    // Reached on failure too: never leave the server running.
    conn?.dispose();
    if (proc && proc.exitCode === null) proc.kill();
  });

  /** Polls `cond`; `what` (a string, or a function for a message built at the time) names it. */
  async function waitFor(cond: () => boolean, what: string | (() => string), ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${ms} ms waiting for ${typeof what === 'string' ? what : what()}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Polls the source file's context until `pred` holds: indexing and settings apply asynchronously. */
  async function contextWhen(pred: (c: ContextResult) => boolean, what: string, ms = 10_000): Promise<ContextResult> {
    const deadline = Date.now() + ms;
    for (;;) {
      const ctx = await fetchContext(conn, sourceUri, { languageId: 'elixir' });
      if (pred(ctx)) return ctx;
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${ms} ms waiting for ${what}; last: ${JSON.stringify({ ...ctx, prompt: undefined })}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The server's own budget: what `airules context --json` uses when given none. */
  const serverDefaultMaxTokens = (): number => {
    const out = execFileSync(bin!, ['context', '--json', '--root', workspace, sourceFile], { encoding: 'utf8' });
    const max = (JSON.parse(out) as ContextResult).maxTokens;
    assert.ok(Number.isInteger(max) && max > 0, `airules context --json says maxTokens ${max}`);
    return max;
  };

  /** The context of the source file, once the initial index has rules. */
  const sourceContext = () => contextWhen((c) => c.rules.length > 0, `rules for ${sourceUri} (server log: ${logFile})`);

  it('airules/context: ordered rules within the budget for a source file', opts, async () => {
    const ctx = await sourceContext();
    assert.equal(ctx.uri, sourceUri);
    // The extension sends no budget by default: the server's applies.
    assert.equal(initOptions.maxTokens, undefined);
    assert.equal(ctx.maxTokens, serverDefaultMaxTokens());
    assert.ok(ctx.tokens <= ctx.maxTokens, `tokens ${ctx.tokens} > maxTokens ${ctx.maxTokens}`);
    assert.ok(ctx.prompt.trim().length > 0, 'prompt is empty');
    assert.equal(typeof ctx.generation, 'number');
    for (const r of ctx.rules) {
      assert.ok(r.reasons.length > 0, `rule ${r.id} has no reasons`);
      assert.ok(r.uri.startsWith('file:'), `rule ${r.id} has uri ${r.uri}`);
      assert.ok(r.layer in layerRank, `rule ${r.id} has layer ${r.layer}`);
    }
    // Order: layer (user > project > team > dependency), priority descending, path.
    for (let i = 1; i < ctx.rules.length; i++) {
      const [a, b] = [ctx.rules[i - 1], ctx.rules[i]];
      const key = (r: typeof a) => `${r.id} (${r.layer}, priority ${r.priority})`;
      const ordered =
        layerRank[a.layer] < layerRank[b.layer] ||
        (a.layer === b.layer && (a.priority > b.priority || (a.priority === b.priority && a.uri <= b.uri)));
      assert.ok(ordered, `${key(a)} is listed before ${key(b)}`);
    }
  });

  it('airules/context: a smaller maxTokens omits rules for budget', opts, async () => {
    const full = await sourceContext();
    const budget = Math.max(1, Math.floor(full.tokens / 2));
    const tight = await fetchContext(conn, sourceUri, { languageId: 'elixir', maxTokens: budget });
    assert.equal(tight.maxTokens, budget);
    assert.ok(tight.tokens <= budget, `tokens ${tight.tokens} > maxTokens ${budget}`);
    assert.ok(
      tight.omitted.some((o) => o.reason === 'budget'),
      `expected an omission for budget, got ${JSON.stringify(tight.omitted)}`,
    );
  });

  it('airules/context: maxOmitted cuts the omitted list and moreOmitted counts the rest', opts, async () => {
    const full = await sourceContext();
    const budget = Math.max(1, Math.floor(full.tokens / 3));
    const all = await fetchContext(conn, sourceUri, { languageId: 'elixir', maxTokens: budget, maxOmitted: AllOmitted });
    assert.ok(all.omitted.length >= 2, `want two omissions at ${budget} tokens, got ${JSON.stringify(all.omitted)}`);
    assert.equal(all.moreOmitted, 0);
    // The example has fewer omissions than the default bound: the default lists all.
    const byDefault = await fetchContext(conn, sourceUri, { languageId: 'elixir', maxTokens: budget });
    assert.deepEqual(byDefault.omitted, all.omitted);
    assert.equal(byDefault.moreOmitted, 0);
    const one = await fetchContext(conn, sourceUri, { languageId: 'elixir', maxTokens: budget, maxOmitted: 1 });
    assert.deepEqual(one.omitted, all.omitted.slice(0, 1));
    assert.equal(one.moreOmitted, all.omitted.length - 1);
    assert.equal(one.prompt, all.prompt);
  });

  it('airules/context: a URI outside the workspace is refused with -32602', opts, async () => {
    const outside = pathToFileURL(path.join(os.tmpdir(), 'airules-outside', 'secret.ex')).href;
    await assert.rejects(fetchContext(conn, outside), (err: unknown) => {
      assert.equal(errorCode(err), InvalidParams, `unexpected error ${String(err)}`);
      return true;
    });
  });

  it('airules/rules: lists every rule that applied', opts, async () => {
    const ctx = await sourceContext();
    const all = await fetchRules(conn);
    assert.equal(typeof all.generation, 'number');
    for (const r of all.rules) assert.equal(typeof r.problems, 'number', `problems of ${r.id}`);
    const ids = new Set(all.rules.map((r) => r.id));
    for (const r of ctx.rules) assert.ok(ids.has(r.id), `airules/rules lacks ${r.id}`);
  });

  it('didChangeConfiguration: the extension\'s settings reach the server', opts, async () => {
    const full = await sourceContext();
    const victim = full.rules[0].id;
    const send = (settings: unknown) =>
      conn.sendNotification(DidChangeConfigurationNotification.type, { settings: { airules: settings } });

    // Settings as VS Code stores them, mapped the way extension.ts maps them.
    const vscodeSettings: Record<string, unknown> = { maxTokens: 4321, disabledRules: [victim], 'hover.enabled': false };
    await send(toServerOptions(readSettings({ get: (key) => vscodeSettings[key] })));
    const changed = await contextWhen((c) => c.maxTokens === 4321, 'maxTokens 4321 after didChangeConfiguration');
    assert.ok(!changed.rules.some((r) => r.id === victim), `${victim} still applies`);
    assert.ok(
      changed.omitted.some((o) => o.id === victim && o.reason === 'disabled'),
      `${victim} not omitted as disabled: ${JSON.stringify(changed.omitted)}`,
    );

    // Back to the defaults for the tests below. The server keeps a setting
    // that a later didChangeConfiguration leaves out, so the budget is named.
    const defaultMax = serverDefaultMaxTokens();
    await send({ ...initOptions, maxTokens: defaultMax });
    const reset = await contextWhen((c) => c.maxTokens === defaultMax, 'the default settings again');
    assert.ok(reset.rules.some((r) => r.id === victim));
  });

  it('code lens on a source file runs the extension command airules.showContext', opts, async () => {
    await conn.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri: sourceUri, languageId: 'elixir', version: 1, text: fs.readFileSync(sourceFile, 'utf8') },
    });
    const lenses: CodeLens[] = (await conn.sendRequest(CodeLensRequest.type, { textDocument: { uri: sourceUri } })) ?? [];
    const resolved = await Promise.all(
      lenses.map((l) => (l.command ? l : conn.sendRequest(CodeLensResolveRequest.type, l))),
    );
    const lens = resolved.find((l) => l.command?.command === 'airules.showContext');
    assert.ok(lens, `no airules.showContext lens in ${JSON.stringify(resolved)}`);
    assert.equal(lens.range.start.line, 0);
    assert.deepEqual(lens.command!.arguments, [sourceUri]);
    await conn.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri: sourceUri } });
  });

  it('diagnostics: priority: high in an open rule file is AIR004', opts, async () => {
    // Only the editor buffer exists; nothing is written into the workspace.
    const ruleUri = pathToFileURL(path.join(workspace, initOptions.rulesDir, 'zz-vscode-integration-bad.md')).href;
    const text = ['---', 'description: Integration test rule with a bad priority', 'priority: high', '---', 'Body.', ''].join('\n');
    await conn.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri: ruleUri, languageId: 'markdown', version: 1, text },
    });
    const air004 = () => diagnostics.filter((p) => p.uri === ruleUri).flatMap((p) => p.diagnostics).find((d) => d.code === 'AIR004');
    await waitFor(
      () => !!air004(),
      () => `AIR004 on ${ruleUri}; got ${JSON.stringify(diagnostics.filter((p) => p.uri === ruleUri))}`,
    );
    const d = air004()!;
    assert.equal(d.source, 'airules');
    assert.equal(d.range.start.line, 2, 'AIR004 points at the priority line');
    await conn.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri: ruleUri } });
  });

  it('airules/indexChanged: an edited rule buffer changes the context, and closing it reverts', opts, async () => {
    // What the status bar and open context views rely on: a notification
    // after the change, and a context that reflects unsaved buffers.
    const id = 'zz-vscode-integration-always';
    const ruleUri = pathToFileURL(path.join(workspace, initOptions.rulesDir, `${id}.md`)).href;
    const text = ['---', 'description: Integration test rule', 'alwaysApply: true', '---', 'Always say hello.', ''].join('\n');
    // Polling the context, not counting notifications: closing the previous
    // test's buffer may still be announcing itself.
    const announced = (g: number) => () => generations.some((n) => n >= g);
    await conn.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri: ruleUri, languageId: 'markdown', version: 1, text },
    });
    const opened = await contextWhen((c) => c.rules.some((r) => r.id === id), `${id} to apply after didOpen`);
    await waitFor(announced(opened.generation), `airules/indexChanged for generation ${opened.generation}`);

    await conn.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri: ruleUri } });
    const closed = await contextWhen((c) => !c.rules.some((r) => r.id === id), `${id} to go away after didClose`);
    assert.ok(closed.generation > opened.generation, `generation ${closed.generation} after ${opened.generation}`);
    await waitFor(announced(closed.generation), `airules/indexChanged for generation ${closed.generation}`);
  });

  it('airules/indexChanged: generations only increase', opts, async () => {
    // Makes its own changes (open, edit, close a rule buffer), so it checks
    // something when run alone too, then looks at every generation seen so far.
    const ruleUri = pathToFileURL(path.join(workspace, initOptions.rulesDir, 'zz-vscode-integration-order.md')).href;
    const text = (body: string) => ['---', 'description: Generation order', 'alwaysApply: true', '---', body, ''].join('\n');
    const seen = generations.length;
    await conn.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri: ruleUri, languageId: 'markdown', version: 1, text: text('One.') },
    });
    await waitFor(() => generations.length > seen, 'airules/indexChanged after didOpen');
    await conn.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri: ruleUri, version: 2 },
      contentChanges: [{ text: text('Two.') }],
    });
    await waitFor(() => generations.length > seen + 1, 'airules/indexChanged after didChange');
    await conn.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri: ruleUri } });
    await waitFor(() => generations.length > seen + 2, 'airules/indexChanged after didClose');
    assert.ok(generations.length >= 3, `generations ${JSON.stringify(generations)}`);
    for (let i = 1; i < generations.length; i++) {
      assert.ok(generations[i] > generations[i - 1], `generations ${JSON.stringify(generations)}`);
    }
  });

  it('shutdown and exit end the process with status 0', opts, async () => {
    await conn.sendRequest(ShutdownRequest.type);
    await conn.sendNotification(ExitNotification.type);
    const code = await Promise.race([
      exitCode,
      new Promise<string>((r) => setTimeout(() => r('still running after 5 s'), 5_000)),
    ]);
    assert.equal(code, 0);
  });
});
