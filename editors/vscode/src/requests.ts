// Typed helpers for the custom requests of the airules server (see the wire
// contract in DESIGN.md). test/wire.test.ts holds these types to JSON samples
// that a Go test writes from the server's own types (testdata/wire/). They take anything with a `sendRequest` method, so
// the extension passes its LanguageClient and the integration test passes a
// plain vscode-jsonrpc MessageConnection: both exercise the same code.

/** The part of LanguageClient / MessageConnection these helpers use. */
export interface RequestSender {
  sendRequest(method: string, params: unknown): Promise<unknown>;
}

export const ContextMethod = 'airules/context';
export const RulesMethod = 'airules/rules';
/** A team rule's text, for airules-team:// URIs (hover links, go-to). */
export const TeamRuleMethod = 'airules/teamRule';
/** The scheme of team rules: they live in a NATS bucket, not in a file. */
export const TeamScheme = 'airules-team';
/** Server → client notification after every reindex that changed something. */
export const IndexChangedMethod = 'airules/indexChanged';

/** JSON-RPC "invalid params": how the server refuses a URI outside the workspace. */
export const InvalidParams = -32602;

export type Layer = 'user' | 'project' | 'team' | 'dependency';

export interface ContextParams {
  textDocument: { uri: string };
  languageId?: string;
  /** Ask for each rule's body in rules[].content (the prompt holds them all). */
  content?: boolean;
  maxTokens?: number;
  /** How many omitted rules to list: absent or 0, the server's default (50); negative, all. */
  maxOmitted?: number;
}

/** maxOmitted that lists every omitted rule. */
export const AllOmitted = -1;

export interface AppliedRule {
  id: string;
  uri: string;
  description: string;
  layer: Layer;
  format: string;
  priority: number;
  scope: string[];
  reasons: string[];
  tokens: number;
  /** Only when the request set content: true. */
  content?: string;
}

export interface OmittedRule {
  id: string;
  uri?: string;
  description?: string;
  reason: 'budget' | 'disabled' | 'shadowed' | 'duplicate' | string;
  tokens: number;
  /** For duplicate, the applied rule with the same text; for shadowed, the rule that hides it. */
  of?: string;
}

export interface AvailableRule {
  id: string;
  description: string;
  uri: string;
}

export interface ContextResult {
  uri: string;
  languageId: string;
  rules: AppliedRule[];
  /** The first omitted rules, the nearest to being applied first; moreOmitted counts the rest. */
  omitted: OmittedRule[];
  /** How many omitted rules `omitted` leaves out (0: it lists them all). */
  moreOmitted: number;
  available: AvailableRule[];
  prompt: string;
  tokens: number;
  maxTokens: number;
  generation: number;
}

export interface RuleSummary {
  id: string;
  uri: string;
  /** The rule file's absolute path (uri is what the extension uses). */
  path: string;
  layer: Layer;
  format: string;
  priority: number;
  status: string;
  description: string;
  /** How many problems (diagnostics) the rule file has. */
  problems: number;
}

export interface RulesResult {
  generation: number;
  rules: RuleSummary[];
}

export interface IndexChangedParams {
  generation: number;
  /** The workspace folder whose index changed, as a URI. */
  folder?: string;
}

/**
 * Asks which rules apply to `uri`, rendered within `maxTokens`, listing
 * `maxOmitted` omitted rules (server defaults when not given).
 */
export async function fetchContext(
  conn: RequestSender,
  uri: string,
  opts: { languageId?: string; maxTokens?: number; maxOmitted?: number } = {},
): Promise<ContextResult> {
  const params: ContextParams = { textDocument: { uri } };
  if (opts.languageId) params.languageId = opts.languageId;
  if (opts.maxTokens !== undefined) params.maxTokens = opts.maxTokens;
  if (opts.maxOmitted !== undefined) params.maxOmitted = opts.maxOmitted;
  const result = (await conn.sendRequest(ContextMethod, params)) as ContextResult;
  // Older or partial servers may leave out empty lists; normalise so callers
  // never have to guard against undefined arrays.
  result.rules ??= [];
  result.omitted ??= [];
  result.moreOmitted ??= 0;
  result.available ??= [];
  return result;
}

/** Lists every indexed rule with its status. */
export async function fetchRules(conn: RequestSender): Promise<RulesResult> {
  const result = (await conn.sendRequest(RulesMethod, {})) as RulesResult;
  result.rules ??= [];
  return result;
}

export interface TeamRule {
  uri: string;
  text: string;
  revision: number;
}

/** The text of a team rule, from the server's cache of the team bucket. */
export async function fetchTeamRule(conn: RequestSender, uri: string): Promise<TeamRule> {
  return (await conn.sendRequest(TeamRuleMethod, { uri })) as TeamRule;
}

/** The JSON-RPC error code of a rejected request, if it carries one. */
export function errorCode(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === 'number') return code;
  }
  return undefined;
}
