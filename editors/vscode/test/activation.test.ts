// Loads the shipped bundle dist/extension.js against test/vscode-shim.ts and
// activates it on a machine without the server: what a new user sees first.
// (With a server, vscode-languageclient needs most of the real VS Code API;
// that path is covered by integration.test.ts at the protocol level.)

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { installCommand } from '../src/serverPath';
import { createVscodeShim } from './vscode-shim';

const bundle = path.resolve(__dirname, '..', '..', 'dist', 'extension.js');

type Extension = {
  activate(ctx: { subscriptions: { dispose(): unknown }[] }): Promise<void>;
  deactivate(): Promise<void>;
};

// Module._load is node's internal loader; hooking it is the usual way to
// hand a CommonJS bundle a stand-in for a module that does not exist here.
const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
const realLoad = loader._load;

function loadExtension(shim: unknown): Extension {
  loader._load = function (request: string, ...rest: unknown[]) {
    return request === 'vscode' ? shim : realLoad.call(this, request, ...rest);
  };
  try {
    delete require.cache[bundle]; // a fresh module state for every test
    return require(bundle) as Extension;
  } finally {
    loader._load = realLoad;
  }
}

// An environment in which no `airules` binary can be found.
const lookupVars = ['PATH', 'GOBIN', 'GOPATH', 'HOME'] as const;
let savedEnv: Partial<Record<(typeof lookupVars)[number], string>>;
let empty: string;
beforeEach(() => {
  empty = fs.mkdtempSync(path.join(os.tmpdir(), 'airules-noserver-'));
  savedEnv = {};
  for (const v of lookupVars) {
    savedEnv[v] = process.env[v];
    process.env[v] = empty;
  }
});
afterEach(() => {
  for (const v of lookupVars) {
    if (savedEnv[v] === undefined) delete process.env[v];
    else process.env[v] = savedEnv[v];
  }
  fs.rmSync(empty, { recursive: true, force: true });
});

test('bundle exists (run `npm run build` first)', () => {
  assert.ok(fs.existsSync(bundle), bundle);
});

test('activation without a server: registers everything, tells how to install', async () => {
  const { api, record } = createVscodeShim({ folder: empty });
  const ext = loadExtension(api);
  const subscriptions: { dispose(): unknown }[] = [];
  await ext.activate({ subscriptions });

  assert.deepEqual(
    [...record.commands.keys()].sort(),
    ['airules.copyContext', 'airules.restartServer', 'airules.showAllOmitted', 'airules.showContext', 'airules.showRules'],
  );
  assert.ok(record.providers.has('airules-context'));
  assert.equal(record.errors.length, 1);
  assert.ok(record.errors[0].includes(installCommand), record.errors[0]);
  assert.ok(record.log.some((l) => l.startsWith('error ') && l.includes('not found')), record.log.join('\n'));
  assert.equal(record.statusItems.length, 1);
  assert.equal(record.statusItems[0].visible, false);

  // Commands explain instead of failing silently.
  await record.commands.get('airules.showRules')!();
  await record.commands.get('airules.showAllOmitted')!();
  assert.deepEqual(record.infos, ['AI Rules: open a file of the workspace first.', 'AI Rules: open a file of the workspace first.']);
  api.window.activeTextEditor = { document: { uri: { scheme: 'file', toString: () => 'file:///ws/a.ex' }, languageId: 'elixir' } };
  await record.commands.get('airules.copyContext')!();
  assert.equal(record.errors.length, 2);
  assert.ok(record.errors[1].includes(installCommand), record.errors[1]);
  assert.equal(record.clipboard, '');

  const text = await record.providers.get('airules-context')!.provideTextDocumentContent({ query: 'file:///ws/a.ex', toString: () => 'airules-context:?file:///ws/a.ex' });
  assert.match(text, /not running/);
  // Team rules (airules-team://) open read-only through the server; without one, say so.
  const team = await record.providers.get('airules-team')!.provideTextDocumentContent({ toString: () => 'airules-team://b/x' });
  assert.match(team, /not running/);

  for (const s of subscriptions) s.dispose();
  assert.equal(record.commands.size, 0, 'commands are disposed with the extension');
  await ext.deactivate();
});

test('activation with a wrong airules.server.path names the path', async () => {
  const { api, record } = createVscodeShim({ folder: empty, config: { 'server.path': 'bin/airules' } });
  const ext = loadExtension(api);
  const subscriptions: { dispose(): unknown }[] = [];
  await ext.activate({ subscriptions });
  assert.equal(record.errors.length, 1);
  assert.ok(record.errors[0].includes(`${path.join(empty, 'bin/airules')} is not an executable file`), record.errors[0]);
  for (const s of subscriptions) s.dispose();
  await ext.deactivate();
});
