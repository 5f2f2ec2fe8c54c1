// The status-bar item for the active editor: "AI 5 · 1.2k tok" on a source
// file; on a rule file itself, the rule's own problems (or nothing).

import * as vscode from 'vscode';
import { ruleAt, ruleStatusText, ruleStatusTooltip, statusText, statusTooltip } from './format';
import { fetchContext, fetchRules, type RequestSender } from './requests';

export class RulesStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('airules.status', vscode.StatusBarAlignment.Right, 100);
  // Answers can arrive out of order when the user switches editors quickly;
  // only the answer to the latest request may touch the item.
  private latest = 0;

  constructor(private readonly connection: () => RequestSender | undefined) {
    this.item.name = 'AI Rules';
  }

  async refresh(): Promise<void> {
    const seq = ++this.latest;
    const editor = vscode.window.activeTextEditor;
    const conn = this.connection();
    if (!conn || !editor || editor.document.uri.scheme !== 'file') {
      this.item.hide();
      return;
    }
    const uri = editor.document.uri;
    try {
      const rule = ruleAt((await fetchRules(conn)).rules, uri.toString());
      if (seq !== this.latest) return;
      if (rule) {
        this.showRule(rule, uri);
        return;
      }
      const ctx = await fetchContext(conn, uri.toString(), { languageId: editor.document.languageId });
      if (seq !== this.latest) return;
      this.item.text = statusText(ctx);
      this.item.tooltip = statusTooltip(ctx);
      this.item.command = 'airules.showRules';
      this.item.show();
    } catch {
      // Files outside the workspace are refused by design (-32602), and a
      // server that is restarting cannot answer: either way, nothing to show.
      if (seq === this.latest) this.item.hide();
    }
  }

  /** The problems VS Code holds for the rule file now: the same the Problems panel lists. */
  private showRule(rule: { id: string }, uri: vscode.Uri): void {
    const problems = vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'airules').length;
    const text = ruleStatusText(problems);
    if (text === undefined) {
      this.item.hide();
      return;
    }
    this.item.text = text;
    this.item.tooltip = ruleStatusTooltip(rule, problems);
    this.item.command = 'workbench.actions.view.problems';
    this.item.show();
  }

  /** Diagnostics of the active rule file changed: its count may have too. */
  onDiagnostics(uris: readonly vscode.Uri[]): void {
    const active = vscode.window.activeTextEditor?.document.uri.toString();
    if (active && uris.some((u) => u.toString() === active)) void this.refresh();
  }

  dispose(): void {
    this.item.dispose();
  }
}
