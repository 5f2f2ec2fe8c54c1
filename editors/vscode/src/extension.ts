// Activation: start `airules serve` through vscode-languageclient and add the
// commands and the status-bar item around the custom airules requests.
// Everything that can be decided without VS Code lives in format.ts,
// serverPath.ts and requests.ts.

import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  LanguageClient,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { ContextDocuments } from './contextView';
import { contextScheme, documentSelector, readSettings, ruleEntries, toServerOptions } from './format';
import { AllOmitted, IndexChangedMethod, TeamScheme, fetchContext, fetchTeamRule, type RequestSender } from './requests';
import { hostLookup, installCommand, resolveServerPath } from './serverPath';
import { RulesStatus } from './statusBar';

let client: LanguageClient | undefined;
// Why the server is not running, when it is not (shown again by commands).
let notRunning: string | undefined;
let output: vscode.LogOutputChannel;
let contextDocs: ContextDocuments;
let status: RulesStatus;
let refreshTimer: NodeJS.Timeout | undefined;

const running = (): RequestSender | undefined => (client?.isRunning() ? client : undefined);
const serverSettings = () => toServerOptions(readSettings(vscode.workspace.getConfiguration('airules')));

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel('AI Rules', { log: true });
  contextDocs = new ContextDocuments(running);
  status = new RulesStatus(running);

  context.subscriptions.push(
    output,
    contextDocs,
    status,
    { dispose: () => clearTimeout(refreshTimer) },
    vscode.workspace.registerTextDocumentContentProvider(contextScheme, contextDocs),
    // Team rules open read-only from the server's cache (hover links and go-to name them).
    vscode.workspace.registerTextDocumentContentProvider(TeamScheme, {
      provideTextDocumentContent: async (uri) => {
        const conn = running();
        if (!conn) return '<!-- the airules server is not running -->';
        return (await fetchTeamRule(conn, uri.toString(true))).text;
      },
    }),
    vscode.window.onDidChangeActiveTextEditor(() => void status.refresh()),
    vscode.languages.onDidChangeDiagnostics((e) => status.onDiagnostics(e.uris)),
    vscode.commands.registerCommand('airules.showContext', showContext),
    vscode.commands.registerCommand('airules.copyContext', copyContext),
    vscode.commands.registerCommand('airules.showRules', () => showRules(false)),
    vscode.commands.registerCommand('airules.showAllOmitted', () => showRules(true)),
    vscode.commands.registerCommand('airules.restartServer', restart),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('airules')) return;
      if (e.affectsConfiguration('airules.server.path')) {
        void restart();
        return;
      }
      if (client?.isRunning()) {
        void client.sendNotification(DidChangeConfigurationNotification.type, {
          settings: { airules: serverSettings() },
        });
      }
      refreshSoon();
    }),
  );

  await startClient();
}

/**
 * Re-renders the status item and open context views. Reindexing happens on
 * every keystroke in a rule file; the delay coalesces the resulting
 * airules/indexChanged notifications into one refresh.
 */
function refreshSoon(): void {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => {
    void status.refresh();
    contextDocs.refreshAll();
  }, 150);
}

export async function deactivate(): Promise<void> {
  await stopClient();
}

async function startClient(): Promise<void> {
  const settings = readSettings(vscode.workspace.getConfiguration('airules'));
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const found = resolveServerPath(settings.serverPath, folder, hostLookup());
  if (!found.ok) {
    notRunning = found.message;
    output.error(found.message);
    void reportMissingServer(found.message);
    return;
  }
  output.info(`Starting ${found.path} serve (found via ${found.source})`);

  const server: ServerOptions = { command: found.path, args: ['serve'], transport: TransportKind.stdio };
  const options: LanguageClientOptions = {
    documentSelector,
    outputChannel: output,
    // A function, so a restart picks up the settings of that moment.
    initializationOptions: serverSettings,
    middleware: {
      workspace: {
        // If the server pulls its settings, answer in its own vocabulary
        // (hover: "on"/"off"), not the raw shape of settings.json.
        configuration: async (params, token, next) => {
          const answer = await next(params, token);
          if (!Array.isArray(answer)) return answer;
          return params.items.map((item, i) => (item.section === 'airules' ? serverSettings() : answer[i]));
        },
      },
    },
  };

  const c = new LanguageClient('airules', 'AI Rules', server, options);
  c.onNotification(IndexChangedMethod, refreshSoon);
  client = c;
  notRunning = undefined;
  try {
    await c.start();
  } catch (err) {
    notRunning = `The airules server failed to start: ${err instanceof Error ? err.message : String(err)}`;
    output.error(notRunning);
    return;
  }
  refreshSoon();
}

async function stopClient(): Promise<void> {
  const c = client;
  client = undefined;
  if (c) {
    try {
      await c.dispose();
    } catch (err) {
      output.warn(`Stopping the server: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

async function restart(): Promise<void> {
  await stopClient();
  await status.refresh(); // hides the item while no server runs
  await startClient();
}

async function reportMissingServer(message: string): Promise<void> {
  const copy = 'Copy Install Command';
  const settings = 'Open Settings';
  const choice = await vscode.window.showErrorMessage(message, copy, settings);
  if (choice === copy) await vscode.env.clipboard.writeText(installCommand);
  if (choice === settings) await vscode.commands.executeCommand('workbench.action.openSettings', 'airules.server.path');
}

/** The running server, or undefined after telling the user why there is none. */
function requireServer(): RequestSender | undefined {
  const conn = running();
  if (!conn) void vscode.window.showErrorMessage(notRunning ?? 'The airules server is not running yet.');
  return conn;
}

/** The file a command acts on: the active editor's (or, in a context view, its source). */
function activeSource(): string | undefined {
  const uri = vscode.window.activeTextEditor?.document.uri;
  const source = uri && (ContextDocuments.sourceOf(uri) ?? (uri.scheme === 'file' ? uri.toString() : undefined));
  if (!source) void vscode.window.showInformationMessage('AI Rules: open a file of the workspace first.');
  return source;
}

/** Also the command of the server's code lens, which passes the file's URI. */
async function showContext(uri?: string): Promise<void> {
  const source = typeof uri === 'string' ? uri : activeSource();
  if (!source || !requireServer()) return;
  const docUri = ContextDocuments.uriFor(source);
  // An already open view would otherwise be shown with its old text.
  contextDocs.refresh(docUri);
  const doc = await vscode.workspace.openTextDocument(docUri);
  await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true });
}

async function copyContext(): Promise<void> {
  const source = activeSource();
  const conn = source && requireServer();
  if (!source || !conn) return;
  try {
    const ctx = await fetchContext(conn, source);
    await vscode.env.clipboard.writeText(ctx.prompt);
    void vscode.window.showInformationMessage(
      `Copied the AI context: ${ctx.rules.length} rule(s), ${ctx.tokens} of ${ctx.maxTokens} tokens.`,
    );
  } catch (err) {
    void vscode.window.showErrorMessage(`AI Rules: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * The quick pick of the rules of the active file. It lists the first omitted
 * rules (the server's default) and an entry for the rest, which asks again
 * with every omitted rule (allOmitted, also the command Show All Omitted Rules).
 */
async function showRules(allOmitted: boolean): Promise<void> {
  const source = activeSource();
  const conn = source && requireServer();
  if (!source || !conn) return;
  let entries;
  try {
    entries = ruleEntries(await fetchContext(conn, source, allOmitted ? { maxOmitted: AllOmitted } : {}));
  } catch (err) {
    void vscode.window.showErrorMessage(`AI Rules: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  if (entries.length === 0) {
    void vscode.window.showInformationMessage('AI Rules: no rules apply to this file.');
    return;
  }
  const items = entries.map((e) =>
    e.separator
      ? { label: e.label, kind: vscode.QuickPickItemKind.Separator, uri: undefined, showAllOmitted: false }
      : { label: e.label, description: e.description, detail: e.detail, uri: e.uri, showAllOmitted: !!e.showAllOmitted },
  );
  const picked = await vscode.window.showQuickPick(items, {
    title: allOmitted ? 'Rules for this file, every omitted one' : 'Rules for this file',
    placeHolder: 'Open a rule file',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (picked?.showAllOmitted) return showRules(true);
  if (picked?.uri) await vscode.window.showTextDocument(vscode.Uri.parse(picked.uri));
}
