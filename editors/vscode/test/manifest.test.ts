// Keeps package.json, the code and the server contract in step: VS Code
// itself cannot run here, so these are the checks it would otherwise do.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { defaultSettings, showAllOmittedTitle } from '../src/format';

const root = path.resolve(__dirname, '..', '..'); // out/test → package root
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const extensionSource = fs.readFileSync(path.join(root, 'src', 'extension.ts'), 'utf8');

const version = (s: string) => s.replace(/^[\^~]/, '').split('.').map(Number);
const atMost = (a: number[], b: number[]) => a[0] < b[0] || (a[0] === b[0] && (a[1] < b[1] || (a[1] === b[1] && a[2] <= b[2])));

test('every contributed command is registered, and the other way round', () => {
  const contributed = pkg.contributes.commands.map((c: { command: string }) => c.command).sort();
  const registered = [...extensionSource.matchAll(/registerCommand\('([^']+)'/g)].map((m) => m[1]).sort();
  assert.deepEqual(registered, contributed);
  // The server's code lens runs this one.
  assert.ok(contributed.includes('airules.showContext'));
});

test('configuration: the settings the extension reads are contributed with the same defaults', () => {
  const props = pkg.contributes.configuration.properties;
  assert.equal(props['airules.server.path'].default, defaultSettings.serverPath);
  assert.equal(props['airules.rulesDir'].default, defaultSettings.rulesDir);
  // No budget of the client's own: unset means the server's default.
  assert.equal(props['airules.maxTokens'].default, null);
  assert.equal(defaultSettings.maxTokens, undefined);
  assert.deepEqual(props['airules.disabledRules'].default, defaultSettings.disabledRules);
  assert.equal(props['airules.hover.enabled'].default, defaultSettings.hoverEnabled);
  assert.equal(props['airules.server.logLevel'].default, defaultSettings.logLevel);
  // vscode-languageclient reads `<client id>.trace.server` by itself.
  assert.match(extensionSource, /new LanguageClient\('airules'/);
  assert.deepEqual(props['airules.trace.server'].enum, ['off', 'messages', 'verbose']);
});

test('activation on workspaces with rule files and on markdown', () => {
  for (const e of [
    'workspaceContains:.ai-rules/**',
    'workspaceContains:**/*.mdc',
    'workspaceContains:.github/instructions/**',
    'workspaceContains:AGENTS.md',
    'workspaceContains:CLAUDE.md',
    'onLanguage:markdown',
  ]) {
    assert.ok(pkg.activationEvents.includes(e), `missing activation event ${e}`);
  }
});

test('engines.vscode is new enough for vscode-languageclient and not older than @types/vscode', () => {
  const engine = version(pkg.engines.vscode);
  const types = version(pkg.devDependencies['@types/vscode']);
  const client = JSON.parse(
    fs.readFileSync(path.join(root, 'node_modules', 'vscode-languageclient', 'package.json'), 'utf8'),
  );
  assert.ok(atMost(version(client.engines.vscode), engine), `languageclient wants ${client.engines.vscode}`);
  assert.ok(atMost(types, engine), `@types/vscode ${types.join('.')} is newer than engines.vscode`);
});

test('the bundle is the entry point and the package ships nothing else', () => {
  assert.equal(pkg.main, './dist/extension.js');
  const ignore = fs.readFileSync(path.join(root, '.vscodeignore'), 'utf8');
  assert.match(ignore, /^\*\*$/m);
  assert.match(ignore, /^!dist\/extension\.js$/m);
  assert.equal(pkg.license, 'MIT');
  assert.ok(fs.existsSync(path.join(root, 'LICENSE')));
});

test('the context document names the command that lists every omitted rule by its title', () => {
  const cmd = pkg.contributes.commands.find((c: { command: string }) => c.command === 'airules.showAllOmitted');
  assert.ok(cmd, 'airules.showAllOmitted is not contributed');
  assert.equal(`${cmd.category}: ${cmd.title}`, showAllOmittedTitle);
});
