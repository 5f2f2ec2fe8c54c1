// Pure presentation and settings logic. Nothing here imports `vscode`, so the
// unit tests run under plain node without a shim.

import { fileURLToPath } from 'node:url';
import type { ContextResult, RuleSummary } from './requests';

// ---------------------------------------------------------------- settings

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** The extension's settings (section `airules`), validated. */
export interface Settings {
  serverPath: string;
  rulesDir: string;
  /** Only when the user set one: otherwise the server's own default applies. */
  maxTokens?: number;
  disabledRules: string[];
  hoverEnabled: boolean;
  logLevel: LogLevel;
}

/** What the server reads from initializationOptions and didChangeConfiguration. */
export interface ServerOptions {
  rulesDir: string;
  maxTokens?: number;
  disabledRules: string[];
  hover: 'on' | 'off';
  logLevel: LogLevel;
}

export const defaultSettings: Readonly<Settings> = {
  serverPath: '',
  rulesDir: '.ai-rules',
  disabledRules: [],
  hoverEnabled: true,
  logLevel: 'info',
};

const logLevels: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/**
 * Reads the settings through `get` (a vscode WorkspaceConfiguration fits).
 * Values of the wrong type fall back to the defaults: settings.json is
 * hand-edited, and a typo there must not reach the server as garbage.
 */
export function readSettings(config: { get(key: string): unknown }): Settings {
  const str = (key: string, def: string): string => {
    const v = config.get(key);
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : def;
  };
  const maxTokens = config.get('maxTokens');
  const disabled = config.get('disabledRules');
  const hover = config.get('hover.enabled');
  const logLevel = config.get('server.logLevel');
  const settings: Settings = {
    serverPath: str('server.path', defaultSettings.serverPath),
    rulesDir: str('rulesDir', defaultSettings.rulesDir),
    disabledRules: Array.isArray(disabled)
      ? disabled.filter((r): r is string => typeof r === 'string' && r !== '')
      : [],
    hoverEnabled: typeof hover === 'boolean' ? hover : defaultSettings.hoverEnabled,
    logLevel: logLevels.includes(logLevel as LogLevel) ? (logLevel as LogLevel) : defaultSettings.logLevel,
  };
  if (typeof maxTokens === 'number' && Number.isInteger(maxTokens) && maxTokens > 0) settings.maxTokens = maxTokens;
  return settings;
}

/** Maps the editor-facing settings to the server's option names. */
export function toServerOptions(s: Settings): ServerOptions {
  const opts: ServerOptions = {
    rulesDir: s.rulesDir,
    disabledRules: [...s.disabledRules],
    hover: s.hoverEnabled ? 'on' : 'off',
    logLevel: s.logLevel,
  };
  // Unset: the server's default budget, so every client shares one default.
  if (s.maxTokens !== undefined) opts.maxTokens = s.maxTokens;
  return opts;
}

// ---------------------------------------------------------------- document selector

/**
 * Every `file` document goes to the server so hover and the code lens work on
 * source files of any language. The patterns for rule files of other formats
 * are listed as well so they stay covered if the catch-all is ever narrowed.
 */
export const documentSelector = [
  { scheme: 'file', pattern: '**/.ai-rules/**' },
  { scheme: 'file', pattern: '**/*.mdc' },
  { scheme: 'file', pattern: '**/*.instructions.md' },
  { scheme: 'file', pattern: '**/{AGENTS,CLAUDE}.md' },
  { scheme: 'file' },
];

// ---------------------------------------------------------------- status bar

/** 950 → "950", 1234 → "1.2k", 12345 → "12k". */
export function formatTokens(n: number): string {
  if (n < 1000) return String(n);
  if (n < 10_000) {
    const k = (Math.round(n / 100) / 10).toFixed(1).replace(/\.0$/, '');
    // 9960 rounds to 10.0k; print it the same way as 10000.
    return k === '10' ? '10k' : `${k}k`;
  }
  return `${Math.round(n / 1000)}k`;
}

/** e.g. "AI 5 · 1.2k tok": rules applied to the file and the prompt's tokens. */
export function statusText(ctx: Pick<ContextResult, 'rules' | 'tokens'>): string {
  return `AI ${ctx.rules.length} · ${formatTokens(ctx.tokens)} tok`;
}

/** Multi-line tooltip for the status-bar item. */
export function statusTooltip(ctx: ContextResult): string {
  const lines = [
    `airules: ${plural(ctx.rules.length, 'rule')} apply, ${ctx.tokens} of ${ctx.maxTokens} tokens`,
  ];
  for (const r of ctx.rules) lines.push(`• ${r.id} (${r.tokens} tok)`);
  if (ctx.omitted.length > 0) lines.push(`${omittedCount(ctx)} omitted: ${omittedList(ctx)}`);
  lines.push('Click to list the applicable rules.');
  return lines.join('\n');
}

/**
 * The status item on a rule file itself, where "which rules apply" means
 * little: the rule's own problems, or nothing (undefined) when it has none.
 */
export function ruleStatusText(problems: number): string | undefined {
  return problems > 0 ? `$(warning) AI rule: ${plural(problems, 'problem')}` : undefined;
}

export function ruleStatusTooltip(rule: Pick<RuleSummary, 'id'>, problems: number): string {
  return `airules: rule ${rule.id} has ${plural(problems, 'problem')}; see the Problems panel.`;
}

/**
 * The indexed rule whose file is `uri`, if any. Compared as paths: the server
 * and VS Code may spell the same file URI differently (escapes, drive letters).
 */
export function ruleAt<R extends Pick<RuleSummary, 'uri'>>(rules: readonly R[], uri: string): R | undefined {
  const path = filePath(uri);
  return path === undefined ? undefined : rules.find((r) => filePath(r.uri) === path);
}

function filePath(uri: string): string | undefined {
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined; // not a file: URI
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** How many rules were omitted, listed or not. */
function omittedCount(ctx: Pick<ContextResult, 'omitted' | 'moreOmitted'>): number {
  return ctx.omitted.length + (ctx.moreOmitted ?? 0);
}

/** "a (budget), b (disabled) … and 3 more omitted": the listed ones and a count of the rest. */
function omittedList(ctx: Pick<ContextResult, 'omitted' | 'moreOmitted'>): string {
  const listed = ctx.omitted.map((o) => `${o.id} (${o.reason})`).join(', ');
  return ctx.moreOmitted > 0 ? `${listed} ${moreOmittedText(ctx.moreOmitted)}` : listed;
}

/** What a client says for the omitted rules an answer left out of its list. */
export function moreOmittedText(n: number): string {
  return `… and ${n} more omitted`;
}

// ---------------------------------------------------------------- quick pick

/**
 * One entry of the "Show Applicable Rules" quick pick. `separator` entries are
 * section headings; the others carry the URI of the rule file to open.
 */
export interface RuleEntry {
  label: string;
  description?: string;
  detail?: string;
  uri?: string;
  separator?: boolean;
  /** The "… and N more omitted" entry: picking it asks again for every omitted rule. */
  showAllOmitted?: boolean;
}

export function ruleEntries(ctx: ContextResult): RuleEntry[] {
  const entries: RuleEntry[] = [];
  if (ctx.rules.length > 0) {
    entries.push({ label: `Applied (${ctx.tokens} of ${ctx.maxTokens} tokens)`, separator: true });
    for (const r of ctx.rules) {
      entries.push({
        label: r.id,
        description: `${r.layer} · priority ${r.priority} · ${r.tokens} tok`,
        detail: [r.description, r.reasons.join('; ')].filter((s) => s).join(' — '),
        uri: r.uri,
      });
    }
  }
  // The omitted ones nearest to being applied first; the rest on request.
  if (ctx.omitted.length > 0) {
    entries.push({ label: `Omitted (${omittedCount(ctx)})`, separator: true });
    for (const o of ctx.omitted) {
      entries.push({
        label: o.id,
        description: `${o.reason}${o.of ? ` of ${o.of}` : ''} · ${o.tokens} tok`,
        detail: o.description || undefined,
        uri: o.uri || undefined,
      });
    }
    if (ctx.moreOmitted > 0) {
      entries.push({ label: moreOmittedText(ctx.moreOmitted), detail: 'Pick to list every omitted rule', showAllOmitted: true });
    }
  }
  // Agent-requested rules do not apply by themselves, but a user looking at
  // "what could the assistant see here" wants to know they exist.
  if (ctx.available.length > 0) {
    entries.push({ label: 'Available on request', separator: true });
    for (const a of ctx.available) {
      entries.push({ label: a.id, detail: a.description, uri: a.uri });
    }
  }
  return entries;
}

// ---------------------------------------------------------------- context document

/** Scheme of the read-only documents that show a file's rendered context. */
export const contextScheme = 'airules-context';

/**
 * The path of the context document for a source file. It ends in `.md` so the
 * editor treats it as markdown; the source URI itself travels in the query.
 */
export function contextDocPath(sourceUri: string): string {
  const name = decodeURIComponent(sourceUri.replace(/[?#].*$/, '').split('/').pop() || 'file');
  return `/${name} (AI context).md`;
}

/** The title of the command that lists every omitted rule. */
export const showAllOmittedTitle = 'AI Rules: Show All Omitted Rules';

/**
 * The text of the context document: the prompt exactly as an assistant would
 * receive it, after HTML comments (invisible in the markdown preview) that say
 * what it was computed for and which rules were omitted. `name` names the
 * source file, short enough not to wrap: its workspace-relative path.
 */
export function contextDocument(ctx: ContextResult, name: string): string {
  let header =
    `<!-- airules context for ${name} (${ctx.languageId || 'unknown language'}): ` +
    `${plural(ctx.rules.length, 'rule')}, ${ctx.tokens} of ${ctx.maxTokens} tokens, ` +
    `generation ${ctx.generation} -->`;
  if (ctx.omitted.length > 0) {
    const all = ctx.moreOmitted > 0 ? ` (${showAllOmittedTitle} lists them all)` : '';
    header += `\n<!-- ${omittedCount(ctx)} omitted: ${omittedList(ctx)}${all} -->`;
  }
  const body = ctx.prompt.trim() === '' ? '_No rules apply to this file._' : ctx.prompt;
  return `${header}\n\n${body}${body.endsWith('\n') ? '' : '\n'}`;
}
