import assert from 'node:assert/strict';
import { test } from 'node:test';
import { installCommand, resolveServerPath, type LookupEnv } from '../src/serverPath';

/** A machine on which exactly `executables` exist. */
function machine(executables: string[], env: Record<string, string> = {}, platform: NodeJS.Platform = 'linux'): LookupEnv {
  const home = platform === 'win32' ? 'C:\\Users\\dev' : '/home/dev';
  return { platform, env, homedir: home, isExecutable: (f) => executables.includes(f) };
}

test('setting: absolute path is used as is', () => {
  const r = resolveServerPath('/opt/bin/airules', '/ws', machine(['/opt/bin/airules', '/usr/bin/airules'], { PATH: '/usr/bin' }));
  assert.deepEqual(r, { ok: true, path: '/opt/bin/airules', source: 'setting' });
});

test('setting: ~ and ${workspaceFolder} are expanded, relative paths start at the folder', () => {
  const look = machine(['/home/dev/bin/airules', '/ws/tools/airules']);
  assert.deepEqual(resolveServerPath('~/bin/airules', '/ws', look), { ok: true, path: '/home/dev/bin/airules', source: 'setting' });
  assert.deepEqual(resolveServerPath('${workspaceFolder}/tools/airules', '/ws', look), {
    ok: true,
    path: '/ws/tools/airules',
    source: 'setting',
  });
  assert.deepEqual(resolveServerPath('tools/airules', '/ws', look), { ok: true, path: '/ws/tools/airules', source: 'setting' });
});

test('setting: a wrong path is an error, not a silent fallback to PATH', () => {
  const r = resolveServerPath('/nope/airules', '/ws', machine(['/usr/bin/airules'], { PATH: '/usr/bin' }));
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.message : '', /airules\.server\.path is set to "\/nope\/airules"/);
});

test('setting: relative path without a folder is an error', () => {
  const r = resolveServerPath('bin/airules', undefined, machine([]));
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.message : '', /no folder is open/);
});

test('PATH: first directory that has it wins; empty entries are skipped', () => {
  const look = machine(['/b/airules', '/c/airules', 'airules'], { PATH: ':/a:/b:/c' });
  assert.deepEqual(resolveServerPath('', '/ws', look), { ok: true, path: '/b/airules', source: 'PATH' });
});

test('go install directories after PATH: GOBIN, then GOPATH/bin, then ~/go/bin', () => {
  assert.deepEqual(resolveServerPath('', '/ws', machine(['/gobin/airules', '/home/dev/go/bin/airules'], { PATH: '/usr/bin', GOBIN: '/gobin' })), {
    ok: true,
    path: '/gobin/airules',
    source: 'go bin',
  });
  assert.deepEqual(resolveServerPath('', '/ws', machine(['/gp/bin/airules'], { GOPATH: '/gp:/other' })), {
    ok: true,
    path: '/gp/bin/airules',
    source: 'go bin',
  });
  assert.deepEqual(resolveServerPath('', '/ws', machine(['/home/dev/go/bin/airules'], { PATH: '/usr/bin' })), {
    ok: true,
    path: '/home/dev/go/bin/airules',
    source: 'go bin',
  });
});

test('not found: the message says how to install it', () => {
  const r = resolveServerPath('', '/ws', machine([], { PATH: '/usr/bin:/bin' }));
  assert.equal(r.ok, false);
  const msg = !r.ok ? r.message : '';
  assert.ok(msg.includes(installCommand), msg);
  assert.ok(msg.includes('airules.server.path'), msg);
  assert.equal(installCommand, 'go install ./cmd/airules');
  assert.match(msg, /in a clone of airules/);
});

test('windows: looks for airules.exe with ; as separator', () => {
  const look = machine(['C:\\tools\\airules.exe'], { Path: 'C:\\Windows;C:\\tools' }, 'win32');
  assert.deepEqual(resolveServerPath('', undefined, look), { ok: true, path: 'C:\\tools\\airules.exe', source: 'PATH' });
  assert.deepEqual(resolveServerPath('~\\bin\\airules.exe', undefined, machine(['C:\\Users\\dev\\bin\\airules.exe'], {}, 'win32')), {
    ok: true,
    path: 'C:\\Users\\dev\\bin\\airules.exe',
    source: 'setting',
  });
});

test('hostLookup: needs a regular file with the execute bit', { skip: process.platform === 'win32' && 'no execute bit on Windows' }, async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { hostLookup } = await import('../src/serverPath');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airules-path-'));
  try {
    const exe = path.join(dir, 'airules');
    fs.writeFileSync(exe, '#!/bin/sh\n', { mode: 0o755 });
    const plain = path.join(dir, 'plain');
    fs.writeFileSync(plain, '', { mode: 0o644 });
    const look = hostLookup();
    assert.equal(look.isExecutable(exe), true);
    assert.equal(look.isExecutable(plain), false); // even for root: no x bit at all
    assert.equal(look.isExecutable(dir), false);
    assert.equal(look.isExecutable(path.join(dir, 'missing')), false);
    assert.deepEqual(resolveServerPath('', undefined, { ...look, env: { PATH: dir } }), { ok: true, path: exe, source: 'PATH' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
