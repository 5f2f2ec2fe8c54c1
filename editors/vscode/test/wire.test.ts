// Holds the wire types of src/requests.ts to the server's: testdata/wire/*.json
// are results of airules/context and airules/rules written from the Go types.
// Every field requests.ts declares must be in the sample with its JSON type,
// and the sample may hold no field that requests.ts does not declare.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(__dirname, '..', '..'); // out/test → package root
const wire = path.resolve(root, '..', '..', 'testdata', 'wire');
const source = fs.readFileSync(path.join(root, 'src', 'requests.ts'), 'utf8');

/** A field type as requests.ts spells it, reduced to what JSON can tell apart. */
type Shape =
  | { kind: 'string'; literals?: string[] } // literals: a closed union of string literals
  | { kind: 'number' }
  | { kind: 'boolean' }
  | { kind: 'array'; of: Shape }
  | { kind: 'object'; name: string };

interface Field {
  name: string;
  optional: boolean;
  type: string; // as written; parsed when a sample is checked against it
}

/** The string-literal unions (`export type Layer = 'a' | 'b';`) of requests.ts. */
function aliases(src: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of src.matchAll(/^export type (\w+) = ([^;]+);/gm)) {
    const parts = m[2].split('|').map((p) => p.trim());
    if (parts.every((p) => /^'[^']*'$/.test(p))) out.set(m[1], parts.map((p) => p.slice(1, -1)));
  }
  return out;
}

/** The exported interfaces of requests.ts: name → fields. */
function interfaces(src: string): Map<string, Field[]> {
  const out = new Map<string, Field[]>();
  for (const m of src.matchAll(/^export interface (\w+) \{\n([\s\S]*?)^\}/gm)) {
    const fields: Field[] = [];
    for (const line of m[2].split('\n')) {
      const f = /^\s+(\w+)(\?)?: (.+);$/.exec(line);
      if (!f) continue;
      fields.push({ name: f[1], optional: f[2] === '?', type: f[3].trim() });
    }
    out.set(m[1], fields);
  }
  return out;
}

function parseShape(t: string): Shape {
  if (t.endsWith('[]')) return { kind: 'array', of: parseShape(t.slice(0, -2)) };
  if (t === 'string') return { kind: 'string' };
  if (t === 'number') return { kind: 'number' };
  if (t === 'boolean') return { kind: 'boolean' };
  const literals = unions.get(t);
  if (literals) return { kind: 'string', literals };
  // 'a' | 'b' | string: any string
  if (t.split('|').every((p) => /^'[^']*'$|^string$/.test(p.trim()))) return { kind: 'string' };
  if (/^[A-Z]\w*$/.test(t)) return { kind: 'object', name: t };
  throw new Error(`requests.ts: cannot hold the type \`${t}\` to JSON; teach test/wire.test.ts`);
}

const declared = interfaces(source);
const unions = aliases(source);

/** Checks `value` against the interface `name`; returns every mismatch, by JSON path. */
function check(value: unknown, name: string, at: string): string[] {
  const fields = declared.get(name);
  if (!fields) return [`${at}: requests.ts has no interface ${name}`];
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${at}: want a ${name} object`];
  const obj = value as Record<string, unknown>;
  const errs: string[] = [];
  for (const f of fields) {
    if (!(f.name in obj)) {
      if (!f.optional) errs.push(`${at}.${f.name}: declared in ${name}, missing from the sample`);
      continue;
    }
    errs.push(...checkShape(obj[f.name], parseShape(f.type), `${at}.${f.name}`));
  }
  const names = new Set(fields.map((f) => f.name));
  for (const key of Object.keys(obj)) {
    if (!names.has(key)) errs.push(`${at}.${key}: in the sample, not declared in ${name}`);
  }
  return errs;
}

function checkShape(v: unknown, s: Shape, at: string): string[] {
  switch (s.kind) {
    case 'string':
      if (typeof v !== 'string') return [`${at}: want a string, got ${JSON.stringify(v)}`];
      return s.literals && !s.literals.includes(v) ? [`${at}: ${JSON.stringify(v)} is not one of ${s.literals.join(', ')}`] : [];
    case 'number':
    case 'boolean':
      return typeof v === s.kind ? [] : [`${at}: want a ${s.kind}, got ${JSON.stringify(v)}`];
    case 'object':
      return check(v, s.name, at);
    case 'array':
      if (!Array.isArray(v)) return [`${at}: want an array, got ${JSON.stringify(v)}`];
      // An empty list shows nothing of its entries: the sample must have one.
      if (v.length === 0) return [`${at}: empty in the sample, so the shape of its entries goes unchecked`];
      return v.flatMap((e, i) => checkShape(e, s.of, `${at}[${i}]`));
  }
}

const sample = (name: string) => JSON.parse(fs.readFileSync(path.join(wire, name), 'utf8'));

test('requests.ts can be read: the interfaces the samples are held to', () => {
  for (const name of ['ContextResult', 'AppliedRule', 'OmittedRule', 'AvailableRule', 'RulesResult', 'RuleSummary']) {
    assert.ok((declared.get(name)?.length ?? 0) > 0, `no fields read for ${name}`);
  }
  // The checker itself: a sample with a wrong type, a missing and an extra field fails.
  const errs = check({ id: 1, uri: 'u', reason: 'budget', extra: true }, 'OmittedRule', '$');
  assert.deepEqual(errs, [
    '$.id: want a string, got 1',
    '$.tokens: declared in OmittedRule, missing from the sample',
    '$.extra: in the sample, not declared in OmittedRule',
  ]);
  assert.deepEqual(checkShape('nope', { kind: 'string', literals: ['user'] }, '$'), ['$: "nope" is not one of user']);
});

test('airules/context: testdata/wire/context.json matches ContextResult', () => {
  assert.deepEqual(check(sample('context.json'), 'ContextResult', '$'), []);
});

test('airules/rules: testdata/wire/rules.json matches RulesResult', () => {
  assert.deepEqual(check(sample('rules.json'), 'RulesResult', '$'), []);
});
