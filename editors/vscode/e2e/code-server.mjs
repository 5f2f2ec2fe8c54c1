// The extension in a real VS Code: code-server (VS Code in a browser) with the
// packaged .vsix installed, driven through Debian's Chromium by playwright-core.
// Run by TestVSCodeInCodeServer (editors/editors_test.go), which builds what it
// needs and passes it in the environment:
//
//   AIRULES_CODE_SERVER_DIR  folder whose node_modules holds code-server and playwright-core
//   AIRULES_CHROMIUM         the Chromium binary
//   AIRULES_BIN              the airules binary (the extension's airules.server.path)
//   AIRULES_VSIX             the packaged extension
//   AIRULES_WORKSPACE        a scratch copy of the example workspace (this test writes into it)
//   AIRULES_SCREENSHOTS      folder for one screenshot per step
//   AIRULES_TMP              scratch folder (profiles, settings, logs)
//
// Prints one "PASS <step>" / "FAIL <step>: <why>" line per step and then
// "N passed, M failed"; exits 1 when a step failed. Every wait is for a
// condition on the page or the disk, with a deadline.

import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

const need = (key) => {
  const v = process.env[key];
  if (!v) throw new Error(`${key} is not set`);
  return v;
};
const csDir = need('AIRULES_CODE_SERVER_DIR');
const chromiumPath = need('AIRULES_CHROMIUM');
const bin = need('AIRULES_BIN');
const vsix = need('AIRULES_VSIX');
const ws = fs.realpathSync(need('AIRULES_WORKSPACE'));
const shots = need('AIRULES_SCREENSHOTS');
const tmp = need('AIRULES_TMP');

const require = createRequire(path.join(csDir, 'node_modules', 'index.js'));
const { chromium } = require('playwright-core');
const codeServer = path.join(csDir, 'node_modules', '.bin', 'code-server');

const sourceRel = 'lib/app_web/live/page_live.ex';
const ruleRel = '.ai-rules/00-global/code-style.md';
const addedId = '00-global/zz-vscode-added';
const T = 30_000; // deadline of one wait

// The server's index, user rules and code-server's own state stay in tmp.
const env = {
  ...process.env,
  XDG_CACHE_HOME: path.join(tmp, 'cache'),
  XDG_CONFIG_HOME: path.join(tmp, 'config'),
  XDG_DATA_HOME: path.join(tmp, 'data'),
};
const userData = path.join(tmp, 'code-server-user');
const extensions = path.join(tmp, 'code-server-extensions');

let passed = 0;
let failed = 0;
let shot = 0;
const out = (s) => process.stdout.write(s + '\n');

/** What the CLI says: the expectation of the context checks. */
function cli(...args) {
  return execFileSync(bin, args, { env, encoding: 'utf8' });
}
const cliContextJSON = () => JSON.parse(cli('context', '--json', '--root', ws, path.join(ws, sourceRel)));
const cliPrompt = () => cli('context', '--root', ws, path.join(ws, sourceRel));

async function startCodeServer() {
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  cli('version'); // fails early, with its own words, for a broken binary
  execFileSync(codeServer, ['--user-data-dir', userData, '--extensions-dir', extensions, '--install-extension', vsix], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  fs.writeFileSync(
    path.join(userData, 'User', 'settings.json'),
    JSON.stringify(
      {
        // The browser build saves after every keystroke by default; the
        // diagnostics step is about unsaved buffers.
        'files.autoSave': 'off',
        'airules.server.path': bin,
        'workbench.startupEditor': 'none',
        'security.workspace.trust.enabled': false,
        'telemetry.telemetryLevel': 'off',
        'update.mode': 'none',
        'extensions.ignoreRecommendations': true,
        'workbench.tips.enabled': false,
        'editor.hover.delay': 300,
        // Nothing to fetch from a gallery: the test installs its .vsix itself.
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
      },
      null,
      2,
    ),
  );
  const config = path.join(tmp, 'code-server.yaml');
  fs.writeFileSync(config, 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n');
  const proc = spawn(
    codeServer,
    [
      '--config', config,
      '--user-data-dir', userData,
      '--extensions-dir', extensions,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      ws,
    ],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const log = fs.createWriteStream(path.join(tmp, 'code-server.log'));
  proc.stderr.pipe(log);
  const url = await new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`code-server did not listen within ${T} ms:\n${seen}`)), T);
    proc.on('exit', (code) => reject(new Error(`code-server exited with ${code}:\n${seen}`)));
    proc.stdout.on('data', (chunk) => {
      seen += chunk;
      const m = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(seen);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
  proc.stdout.pipe(log);
  return { proc, url };
}

/** Ends code-server (which ends its extension host and so the airules server) and waits for it. */
async function stop(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

async function main() {
  const { proc, url } = await startCodeServer();
  try {
    await drive(url);
  } finally {
    await stop(proc);
  }
}

async function drive(url) {
  const browser = await chromium.launchPersistentContext(path.join(tmp, 'chromium-profile'), {
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport: { width: 1400, height: 900 },
  });
  try {
    await browser.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(url).origin });
    const page = browser.pages()[0] ?? (await browser.newPage());
    await run(page, url);
  } finally {
    await browser.close().catch(() => {});
  }
}

async function run(page, url) {
  const step = async (name, fn) => {
    const n = String(++shot).padStart(2, '0');
    const file = name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase();
    try {
      await fn();
      await page.screenshot({ path: path.join(shots, `${n}-${file}.png`) });
      passed++;
      out(`PASS ${name}`);
      return true;
    } catch (err) {
      await page.screenshot({ path: path.join(shots, `${n}-${file}-FAIL.png`) }).catch(() => {});
      failed++;
      out(`FAIL ${name}: ${String(err?.stack ?? err).split('\n').slice(0, 6).join(' | ')}`);
      return false;
    }
  };

  const statusItem = () => page.locator('.statusbar-item').filter({ hasText: /^AI / });

  /**
   * The error notifications so far, from the notification center: toasts hide
   * themselves, the center keeps every notification until it is cleared.
   */
  async function errorNotifications() {
    await command('Notifications: Show Notifications');
    const center = page.locator('.notifications-center');
    await center.waitFor({ state: 'visible', timeout: T });
    const errors = await center.locator('.notification-list-item:has(.codicon-error)').allInnerTexts();
    await command('Notifications: Hide Notifications');
    await center.waitFor({ state: 'hidden', timeout: T });
    return errors.map((e) => e.replace(/\s+/g, ' ').trim());
  }

  /** Runs a command from the palette by its title, as a user would. */
  async function command(title) {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: T });
    await input.fill('>' + title);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: T });
    await page.keyboard.press('Enter');
  }

  /** Opens a workspace file through Quick Open. */
  async function openFile(rel) {
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: T });
    await input.fill(rel);
    const base = path.basename(rel);
    await page
      .locator('.quick-input-list .monaco-list-row', { hasText: base })
      .filter({ hasText: path.dirname(rel) })
      .first()
      .waitFor({ timeout: T });
    await page.keyboard.press('Enter');
    await page.locator('.tab.active', { hasText: base }).waitFor({ timeout: T });
    await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().waitFor({ timeout: T });
  }

  /** The whole text of the active editor, through select-all and the clipboard. */
  async function activeEditorText() {
    await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
    await page.evaluate(() => navigator.clipboard.writeText(''));
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Control+C');
    let text = '';
    const deadline = Date.now() + T;
    while (text === '' && Date.now() < deadline) {
      text = await page.evaluate(() => navigator.clipboard.readText());
    }
    await page.keyboard.press('Control+Home'); // back to the header line, and no selection
    return text;
  }

  const contextBody = (doc) => doc.slice(doc.indexOf('\n\n') + 2).replace(/\s+$/, '');

  await page.goto(`${url}?folder=${encodeURIComponent(ws)}`);

  if (
    !(await step('the workbench loads the workspace', async () => {
      await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      await page.locator('.explorer-folders-view .monaco-list-row', { hasText: '.ai-rules' }).waitFor({ timeout: T });
    }))
  ) {
    return;
  }

  const expected = cliContextJSON();
  const ids = expected.rules.map((r) => r.id);
  out(`INFO the CLI applies ${ids.length} rules to ${sourceRel}: ${ids.join(', ')}`);

  await step(`opening ${sourceRel} starts the server: status item "AI ${ids.length} ·", no error notification`, async () => {
    await openFile(sourceRel);
    try {
      await page
        .locator('.statusbar-item', { hasText: new RegExp(`^AI ${ids.length} · `) })
        .first()
        .waitFor({ timeout: T });
    } catch (err) {
      throw new Error(`${err.message.split('\n')[0]}; notifications: ${JSON.stringify(await errorNotifications())}`);
    }
    const errors = await errorNotifications();
    if (errors.length > 0) throw new Error(`error notifications: ${JSON.stringify(errors)}`);
  });

  await step('hover on the source file lists the rules in order', async () => {
    const word = page.locator('.editor-group-container.active .view-line').first().locator('span span').first();
    const hover = page.locator('.monaco-hover:not(.hidden)', { hasText: ids[0] });
    const deadline = Date.now() + T;
    // The mouse has to move for VS Code to ask again after a miss.
    for (let i = 0; ; i++) {
      const box = await word.boundingBox();
      if (!box) throw new Error('no text on the first line');
      await page.mouse.move(box.x + 4 + (i % 2), box.y + box.height / 2);
      try {
        await hover.first().waitFor({ timeout: 2_000 });
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
    }
    const text = await hover.first().innerText();
    let last = -1;
    for (const id of ids) {
      const at = text.indexOf(id);
      if (at < 0) throw new Error(`${id} is not in the hover: ${text.slice(0, 300)}`);
      if (at < last) throw new Error(`${id} is out of order in the hover: ${text.slice(0, 300)}`);
      last = at;
    }
    await page.mouse.move(0, 0);
    await page.keyboard.press('Escape');
  });

  let contextOpen = false;
  await step('Show Context opens the prompt, equal to `airules context`', async () => {
    await command('AI Rules: Show Context for Current File');
    await page.locator('.tab.active', { hasText: 'page_live.ex (AI context).md' }).waitFor({ timeout: T });
    contextOpen = true;
    await page
      .locator('.editor-group-container.active .view-line', { hasText: 'airules context for' })
      .first()
      .waitFor({ timeout: T });
    const doc = await activeEditorText();
    const header = doc.split('\n')[0];
    if (!header.includes(`for ${sourceRel} (`) || !header.includes(`${ids.length} rules`)) {
      throw new Error(`header: ${header}`);
    }
    const want = cliPrompt().replace(/\s+$/, '');
    if (contextBody(doc) !== want) {
      throw new Error(`the view differs from the CLI:\n${contextBody(doc).slice(0, 500)}\n--- CLI:\n${want.slice(0, 500)}`);
    }
  });

  const problemRow = () => page.locator('.markers-panel .monaco-list-row', { hasText: 'AIR004' });
  await step(`typing "priority: high" into ${ruleRel} gives AIR004 in the Problems panel`, async () => {
    await page.keyboard.press('Control+1'); // back to the source's group: the context view stays open
    await openFile(ruleRel);
    // On a rule file without problems the status item says nothing.
    await statusItem().waitFor({ state: 'hidden', timeout: T });
    await page.keyboard.press('Control+G');
    await page.keyboard.type('4');
    await page.keyboard.press('Enter');
    await page.keyboard.press('End');
    await page.keyboard.press('Control+Shift+ArrowLeft');
    await page.keyboard.type('high');
    await page.locator('.editor-group-container.active .view-line', { hasText: 'priority: high' }).waitFor({ timeout: T });
    await page.keyboard.press('Control+Shift+M');
    await problemRow().first().waitFor({ timeout: T });
    await page.locator('.statusbar-item', { hasText: 'AI rule: 1 problem' }).waitFor({ timeout: T });
  });

  await step('typing the fix clears the problem and the status item', async () => {
    await page.locator('.editor-group-container.active .view-lines').first().click();
    await page.keyboard.press('Control+G');
    await page.keyboard.type('4');
    await page.keyboard.press('Enter');
    await page.keyboard.press('End');
    await page.keyboard.press('Control+Shift+ArrowLeft');
    await page.keyboard.type('10');
    await page.locator('.editor-group-container.active .view-line', { hasText: 'priority: 10' }).waitFor({ timeout: T });
    await problemRow().first().waitFor({ state: 'detached', timeout: T });
    await statusItem().waitFor({ state: 'hidden', timeout: T });
  });

  await step('a rule written on disk updates the open context view', async () => {
    if (!contextOpen) throw new Error('no context view is open');
    const file = path.join(ws, '.ai-rules', `${addedId}.md`);
    fs.writeFileSync(
      file,
      '---\ndescription: Added by the VS Code end-to-end test\npriority: 99\nscope: [global]\nalwaysApply: true\n---\n' +
        '- Rules written while the editor is open apply at once.\n',
    );
    const want = cliContextJSON();
    if (!want.rules.some((r) => r.id === addedId)) throw new Error(`the CLI does not list ${addedId}`);
    // The context view is the active editor of the second group.
    await page.keyboard.press('Control+2');
    await page.locator('.tab.active', { hasText: 'page_live.ex (AI context).md' }).waitFor({ timeout: T });
    await page.keyboard.press('Control+Home'); // the header line says how many rules apply
    await page
      .locator('.editor-group-container.active .view-line', { hasText: `${want.rules.length} rules` })
      .first()
      .waitFor({ timeout: T });
    const doc = await activeEditorText();
    if (!doc.includes(addedId)) throw new Error(`${addedId} is not in the view`);
    const prompt = cliPrompt().replace(/\s+$/, '');
    if (contextBody(doc) !== prompt) throw new Error('the view differs from the CLI after the change');
  });

  await step('with many rules over the budget, the context view and the rule list say "… and N more omitted", and all can be listed', async () => {
    if (!contextOpen) throw new Error('no context view is open');
    // Rules of the lowest priority, each about 1,200 tokens: the default budget
    // takes a few, the rest are omitted, more than the server lists by default.
    const many = 80;
    const line = (i, j) => `- Keep point ${j} of rule ${i} in mind while writing this file.\n`;
    for (let i = 0; i < many; i++) {
      let body = `---\ndescription: Bulk rule ${i} of the VS Code end-to-end test\npriority: 1\nalwaysApply: true\n---\n`;
      for (let j = 0; j < 110; j++) body += line(i, j);
      fs.writeFileSync(path.join(ws, '.ai-rules', '00-global', `zz-bulk-${String(i).padStart(2, '0')}.md`), body);
    }
    const want = cliContextJSON();
    const all = JSON.parse(cli('context', '--json', '--max-omitted', '-1', '--root', ws, path.join(ws, sourceRel)));
    const total = all.omitted.length;
    if (!(want.moreOmitted > 0) || want.omitted.length + want.moreOmitted !== total) {
      throw new Error(`the CLI lists ${want.omitted.length} omitted and ${want.moreOmitted} more of ${total}`);
    }
    const more = `… and ${want.moreOmitted} more omitted`;

    // The open context view follows the change and counts what it does not list.
    await page.keyboard.press('Control+2');
    await page.locator('.tab.active', { hasText: 'page_live.ex (AI context).md' }).waitFor({ timeout: T });
    await page.keyboard.press('Control+Home');
    // The line wraps: its start is on screen, its end (the count) maybe not.
    await page.locator('.editor-group-container.active .view-line', { hasText: `${total} omitted:` }).first().waitFor({ timeout: T });
    const second = (await activeEditorText()).split('\n')[1];
    if (!second.startsWith(`<!-- ${total} omitted: ${want.omitted[0].id} (budget)`) || !second.includes(more)) {
      throw new Error(`the omitted line of the view: ${second.slice(0, 300)}`);
    }

    // The rule list ends its omitted section with an entry that lists them all.
    const input = page.locator('.quick-input-widget input');
    await command('AI Rules: Show Applicable Rules');
    await page.locator('.quick-input-title', { hasText: /^Rules for this file$/ }).waitFor({ timeout: T });
    await input.fill(more);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: more }).first().waitFor({ timeout: T });
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-title', { hasText: 'every omitted one' }).waitFor({ timeout: T });
    // The last omitted rule, which the first list did not name, is there now.
    const last = all.omitted[total - 1].id;
    if (want.omitted.some((o) => o.id === last)) throw new Error(`${last} was listed by default already`);
    await input.fill(last);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: last }).first().waitFor({ timeout: T });
    await input.fill('more omitted');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'more omitted' }).first().waitFor({ state: 'detached', timeout: T });
    await page.keyboard.press('Escape');
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: T });
  });

  await step('the AI Rules output channel says which server it started', async () => {
    await command('Output: Show Output Channels...');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'AI Rules' }).first().waitFor({ timeout: T });
    await page.keyboard.type('AI Rules');
    await page.keyboard.press('Enter');
    const view = page.locator('.panel .monaco-editor .view-lines').first();
    await view.locator('.view-line', { hasText: `Starting ${bin} serve` }).first().waitFor({ timeout: T });
    // The server logs through window/logMessage while attached, so its ordinary lines
    // carry their own level; a line VS Code marks [error] is a real error (or a log
    // written to stderr, which the server must not do while a client is attached).
    const text = (await view.innerText()).replace(/\u00a0/g, ' ');
    const errors = text.split('\n').filter((l) => l.includes('[error]'));
    if (errors.length > 0) throw new Error(`output channel has ${errors.length} [error] line(s): ${errors.join(' | ').slice(0, 1000)}`);
  });

  await step('no error notification at the end', async () => {
    const errors = await errorNotifications();
    if (errors.length > 0) throw new Error(`error notifications: ${JSON.stringify(errors)}`);
  });
}

try {
  await main();
} catch (err) {
  failed++;
  out(`FAIL setup: ${String(err?.stack ?? err).split('\n').slice(0, 8).join(' | ')}`);
}
out(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
