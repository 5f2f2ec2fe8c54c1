import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AllOmitted, ContextMethod, RulesMethod, TeamRuleMethod, errorCode, fetchContext, fetchRules, fetchTeamRule, type RequestSender } from '../src/requests';

/** Records each request and answers with `reply`. */
function recorder(reply: unknown) {
  const calls: [string, unknown][] = [];
  const conn: RequestSender = {
    sendRequest: async (method, params) => {
      calls.push([method, params]);
      return structuredClone(reply);
    },
  };
  return { conn, calls };
}

test('fetchContext sends only the params that are given', async () => {
  const { conn, calls } = recorder({ rules: [], omitted: [], available: [] });
  await fetchContext(conn, 'file:///ws/a.ex');
  await fetchContext(conn, 'file:///ws/a.ex', { languageId: 'elixir', maxTokens: 100 });
  await fetchContext(conn, 'file:///ws/a.ex', { languageId: '', maxTokens: 0 });
  await fetchContext(conn, 'file:///ws/a.ex', { maxOmitted: AllOmitted });
  assert.deepEqual(calls, [
    [ContextMethod, { textDocument: { uri: 'file:///ws/a.ex' } }],
    [ContextMethod, { textDocument: { uri: 'file:///ws/a.ex' }, languageId: 'elixir', maxTokens: 100 }],
    [ContextMethod, { textDocument: { uri: 'file:///ws/a.ex' }, maxTokens: 0 }],
    [ContextMethod, { textDocument: { uri: 'file:///ws/a.ex' }, maxOmitted: -1 }],
  ]);
});

test('fetchContext and fetchRules fill in missing lists', async () => {
  const ctx = await fetchContext(recorder({ prompt: '', tokens: 0 }).conn, 'file:///ws/a');
  assert.deepEqual([ctx.rules, ctx.omitted, ctx.available, ctx.moreOmitted], [[], [], [], 0]);
  const { conn, calls } = recorder({ generation: 1 });
  const rules = await fetchRules(conn);
  assert.deepEqual(rules.rules, []);
  assert.deepEqual(calls, [[RulesMethod, {}]]);
});

test('errorCode reads JSON-RPC error codes only', () => {
  assert.equal(errorCode(Object.assign(new Error('outside'), { code: -32602 })), -32602);
  assert.equal(errorCode(new Error('plain')), undefined);
  assert.equal(errorCode({ code: 'ENOENT' }), undefined);
  assert.equal(errorCode(undefined), undefined);
});

test('fetchTeamRule asks for the URI it is given', async () => {
  const { conn, calls } = recorder({ uri: 'airules-team://airules-team/00-global/security', text: 'Body', revision: 7 });
  const r = await fetchTeamRule(conn, 'airules-team://airules-team/00-global/security');
  assert.equal(r.text, 'Body');
  assert.deepEqual(calls, [[TeamRuleMethod, { uri: 'airules-team://airules-team/00-global/security' }]]);
});
