import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  contextDocPath,
  contextDocument,
  defaultSettings,
  formatTokens,
  readSettings,
  ruleAt,
  ruleEntries,
  ruleStatusText,
  ruleStatusTooltip,
  statusText,
  statusTooltip,
  toServerOptions,
} from '../src/format';
import type { AppliedRule, ContextResult } from '../src/requests';

/** A configuration that answers from a flat map of dotted keys, like VS Code's. */
const config = (values: Record<string, unknown>) => ({ get: (key: string) => values[key] });

function rule(id: string, over: Partial<AppliedRule> = {}): AppliedRule {
  return {
    id,
    uri: `file:///ws/.ai-rules/${id}.md`,
    description: `about ${id}`,
    layer: 'project',
    format: 'airules',
    priority: 50,
    scope: ['project'],
    reasons: ['alwaysApply'],
    tokens: 100,
    content: 'body',
    ...over,
  };
}

function context(over: Partial<ContextResult> = {}): ContextResult {
  return {
    uri: 'file:///ws/lib/app_web/live/page_live.ex',
    languageId: 'elixir',
    rules: [],
    omitted: [],
    moreOmitted: 0,
    available: [],
    prompt: '',
    tokens: 0,
    maxTokens: 8000,
    generation: 3,
    ...over,
  };
}

test('readSettings: defaults when nothing is set', () => {
  assert.deepEqual(readSettings(config({})), defaultSettings);
});

test('readSettings: takes valid values', () => {
  const s = readSettings(
    config({
      'server.path': ' /opt/airules ',
      rulesDir: 'rules',
      maxTokens: 4000,
      disabledRules: ['a/b', 'c'],
      'hover.enabled': false,
      'server.logLevel': 'debug',
    }),
  );
  assert.deepEqual(s, {
    serverPath: '/opt/airules',
    rulesDir: 'rules',
    maxTokens: 4000,
    disabledRules: ['a/b', 'c'],
    hoverEnabled: false,
    logLevel: 'debug',
  });
});

test('readSettings: hand-edited garbage falls back to defaults', () => {
  const s = readSettings(
    config({
      rulesDir: '  ',
      maxTokens: -5,
      disabledRules: ['ok', 3, null, ''],
      'hover.enabled': 'no',
      'server.logLevel': 'verbose',
    }),
  );
  assert.equal(s.rulesDir, '.ai-rules');
  assert.equal(s.maxTokens, undefined);
  assert.deepEqual(s.disabledRules, ['ok']);
  assert.equal(s.hoverEnabled, true);
  assert.equal(s.logLevel, 'info');
  assert.equal(readSettings(config({ maxTokens: 12.5 })).maxTokens, undefined);
  assert.equal('maxTokens' in readSettings(config({ maxTokens: null })), false);
  assert.equal(readSettings(config({ disabledRules: 'a' })).disabledRules.length, 0);
});

test('toServerOptions: maps to the names the server reads', () => {
  const opts = toServerOptions({ ...defaultSettings, hoverEnabled: false, disabledRules: ['x'] });
  // No maxTokens unless the user set one: the server's default is the only default.
  assert.deepEqual(opts, {
    rulesDir: '.ai-rules',
    disabledRules: ['x'],
    hover: 'off',
    logLevel: 'info',
  });
  assert.equal(toServerOptions(defaultSettings).hover, 'on');
  assert.equal(toServerOptions({ ...defaultSettings, maxTokens: 4000 }).maxTokens, 4000);
  // The server path is the client's business only.
  assert.equal('serverPath' in opts, false);
});

test('formatTokens', () => {
  const cases: [number, string][] = [
    [0, '0'],
    [950, '950'],
    [999, '999'],
    [1000, '1k'],
    [1234, '1.2k'],
    [1250, '1.3k'],
    [9949, '9.9k'],
    [9960, '10k'],
    [12345, '12k'],
    [128_000, '128k'],
  ];
  for (const [n, want] of cases) assert.equal(formatTokens(n), want, `formatTokens(${n})`);
});

test('statusText', () => {
  const rules = ['a', 'b', 'c', 'd', 'e'].map((id) => rule(id));
  assert.equal(statusText({ rules, tokens: 1234 }), 'AI 5 · 1.2k tok');
  assert.equal(statusText({ rules: [], tokens: 0 }), 'AI 0 · 0 tok');
});

test('statusTooltip lists rules and omissions', () => {
  const tip = statusTooltip(
    context({
      rules: [rule('00-global/style', { tokens: 40 })],
      omitted: [{ id: '30-contexts/big', reason: 'budget', tokens: 9000 }],
      tokens: 40,
    }),
  );
  assert.match(tip, /1 rule apply, 40 of 8000 tokens/);
  assert.match(tip, /• 00-global\/style \(40 tok\)/);
  assert.match(tip, /1 omitted: 30-contexts\/big \(budget\)\n/);
});

test('statusTooltip counts the omitted rules the answer left out of its list', () => {
  const tip = statusTooltip(
    context({
      omitted: [
        { id: 'a', reason: 'disabled', tokens: 10 },
        { id: 'b', reason: 'budget', tokens: 900 },
      ],
      moreOmitted: 37,
    }),
  );
  assert.match(tip, /\n39 omitted: a \(disabled\), b \(budget\) … and 37 more omitted\n/);
});

test('ruleEntries: omitted rules after the applied ones, and an entry for the rest', () => {
  const omitted = [
    { id: 'x/dup', reason: 'duplicate', tokens: 5, of: 'x/orig', description: 'A copy', uri: 'file:///ws/dup.md' },
    { id: 'x/big', reason: 'budget', tokens: 900, description: '', uri: 'file:///ws/big.md' },
  ];
  const entries = ruleEntries(
    context({
      rules: [rule('00-global/style')],
      omitted,
      moreOmitted: 12,
      available: [{ id: '30-contexts/migrations', description: 'How to write migrations', uri: 'file:///ws/m.md' }],
      tokens: 100,
    }),
  );
  assert.deepEqual(
    entries.map((e) => [e.label, !!e.separator, !!e.showAllOmitted]),
    [
      ['Applied (100 of 8000 tokens)', true, false],
      ['00-global/style', false, false],
      ['Omitted (14)', true, false],
      ['x/dup', false, false],
      ['x/big', false, false],
      ['… and 12 more omitted', false, true],
      ['Available on request', true, false],
      ['30-contexts/migrations', false, false],
    ],
  );
  assert.equal(entries[3].description, 'duplicate of x/orig · 5 tok');
  assert.equal(entries[3].detail, 'A copy');
  assert.equal(entries[3].uri, 'file:///ws/dup.md');
  assert.equal(entries[4].description, 'budget · 900 tok');
  assert.equal(entries[4].detail, undefined); // no empty detail line
  assert.equal(entries[5].uri, undefined); // it opens nothing: it asks again
  // A complete list has no such entry.
  const complete = ruleEntries(context({ omitted, moreOmitted: 0 }));
  assert.equal(complete.filter((e) => e.showAllOmitted).length, 0);
  assert.equal(complete[0].label, 'Omitted (2)');
});

test('ruleEntries: applied rules in server order, then available ones', () => {
  const entries = ruleEntries(
    context({
      rules: [
        rule('20-frameworks/phoenix/liveview', { priority: 8, reasons: ['glob lib/**/live/**/*.ex', 'language elixir'] }),
        rule('00-global/style', { description: '', layer: 'team' }),
      ],
      available: [{ id: '30-contexts/migrations', description: 'How to write migrations', uri: 'file:///ws/m.md' }],
      tokens: 200,
    }),
  );
  assert.deepEqual(
    entries.map((e) => [e.label, !!e.separator]),
    [
      ['Applied (200 of 8000 tokens)', true],
      ['20-frameworks/phoenix/liveview', false],
      ['00-global/style', false],
      ['Available on request', true],
      ['30-contexts/migrations', false],
    ],
  );
  assert.equal(entries[1].description, 'project · priority 8 · 100 tok');
  assert.equal(entries[1].detail, 'about 20-frameworks/phoenix/liveview — glob lib/**/live/**/*.ex; language elixir');
  assert.equal(entries[1].uri, 'file:///ws/.ai-rules/20-frameworks/phoenix/liveview.md');
  assert.equal(entries[2].detail, 'alwaysApply'); // no empty "— " when the description is missing
  assert.equal(entries[4].uri, 'file:///ws/m.md');
  assert.deepEqual(ruleEntries(context()), []);
});

test('contextDocPath: named after the source file, ends in .md', () => {
  assert.equal(contextDocPath('file:///ws/lib/app_web/live/page_live.ex'), '/page_live.ex (AI context).md');
  assert.equal(contextDocPath('file:///ws/my%20notes.txt'), '/my notes.txt (AI context).md');
  assert.equal(contextDocPath('file:///ws/a.go?x=1#frag'), '/a.go (AI context).md');
});

test('contextDocument: header comment, then the prompt unchanged', () => {
  const doc = contextDocument(
    context({ rules: [rule('a'), rule('b')], prompt: '# Rules\n\nDo this.', tokens: 12, maxTokens: 4000 }),
    'lib/app_web/live/page_live.ex',
  );
  const [header, blank, ...rest] = doc.split('\n');
  assert.equal(
    header,
    '<!-- airules context for lib/app_web/live/page_live.ex (elixir): 2 rules, 12 of 4000 tokens, generation 3 -->',
  );
  assert.equal(blank, '');
  assert.equal(rest.join('\n'), '# Rules\n\nDo this.\n');
  assert.match(contextDocument(context(), 'a.ex'), /No rules apply to this file/);
});

test('contextDocument: a second comment names the omitted rules and counts the rest', () => {
  const omitted = [{ id: 'x/big', reason: 'budget', tokens: 900 }];
  const cut = contextDocument(context({ rules: [rule('a')], omitted, moreOmitted: 60, prompt: '# Rules', tokens: 12 }), 'a.ex');
  const [, second, blank, body] = cut.split('\n');
  assert.equal(
    second,
    '<!-- 61 omitted: x/big (budget) … and 60 more omitted (AI Rules: Show All Omitted Rules lists them all) -->',
  );
  assert.equal(blank, '');
  assert.equal(body, '# Rules');
  const whole = contextDocument(context({ rules: [rule('a')], omitted, prompt: '# Rules', tokens: 12 }), 'a.ex');
  assert.equal(whole.split('\n')[1], '<!-- 1 omitted: x/big (budget) -->');
});

test('ruleStatusText: a rule file shows its own problems, or nothing', () => {
  assert.equal(ruleStatusText(0), undefined);
  assert.equal(ruleStatusText(1), '$(warning) AI rule: 1 problem');
  assert.equal(ruleStatusText(3), '$(warning) AI rule: 3 problems');
  assert.match(ruleStatusTooltip({ id: '00-global/style' }, 2), /00-global\/style has 2 problems/);
});

test('ruleAt: finds the rule of a file whatever the URI spelling', () => {
  const rules = [{ uri: 'file:///ws/.ai-rules/a%20b.md' }, { uri: 'file:///ws/.ai-rules/c.md' }];
  const cases: [string, number | undefined][] = [
    ['file:///ws/.ai-rules/c.md', 1],
    ['file:///ws/.ai-rules/a b.md', 0],
    ['file:///ws/.ai-rules/a%20b.md', 0],
    ['file:///ws/lib/x.ex', undefined],
    ['untitled:Untitled-1', undefined],
  ];
  for (const [uri, want] of cases) {
    assert.equal(ruleAt(rules, uri), want === undefined ? undefined : rules[want], uri);
  }
});
