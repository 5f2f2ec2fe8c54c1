// Read-only markdown documents that show the prompt context of a source file.
// A document's URI is `airules-context:/<name> (AI context).md?<source uri>`;
// VS Code asks this provider for its text and again whenever we fire
// onDidChange (after a reindex), so an open view always shows current rules.

import * as vscode from 'vscode';
import { contextDocPath, contextDocument, contextScheme } from './format';
import { fetchContext, type RequestSender } from './requests';

export class ContextDocuments implements vscode.TextDocumentContentProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly connection: () => RequestSender | undefined) {}

  static uriFor(sourceUri: string): vscode.Uri {
    return vscode.Uri.from({ scheme: contextScheme, path: contextDocPath(sourceUri), query: sourceUri });
  }

  /** The source file a context document was opened for. */
  static sourceOf(uri: vscode.Uri): string | undefined {
    return uri.scheme === contextScheme ? uri.query : undefined;
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const conn = this.connection();
    if (!conn) return '_The airules server is not running._\n';
    try {
      const ctx = await fetchContext(conn, uri.query);
      return contextDocument(ctx, vscode.workspace.asRelativePath(vscode.Uri.parse(ctx.uri), false));
    } catch (err) {
      return `_Could not compute the context of ${uri.query}:_ ${err instanceof Error ? err.message : String(err)}\n`;
    }
  }

  refresh(uri: vscode.Uri): void {
    this.changed.fire(uri);
  }

  /** Re-renders every open context document. */
  refreshAll(): void {
    for (const doc of vscode.workspace.textDocuments) {
      if (doc.uri.scheme === contextScheme) this.changed.fire(doc.uri);
    }
  }

  dispose(): void {
    this.changed.dispose();
  }
}
