// The status-bar item "AI 5 · 1.2k tok" for the active editor.

import * as vscode from 'vscode';
import { statusText, statusTooltip } from './format';
import { fetchContext, type RequestSender } from './requests';

export class RulesStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('airules.status', vscode.StatusBarAlignment.Right, 100);
  // Answers can arrive out of order when the user switches editors quickly;
  // only the answer to the latest request may touch the item.
  private latest = 0;

  constructor(private readonly connection: () => RequestSender | undefined) {
    this.item.name = 'AI Rules';
    this.item.command = 'airules.showRules';
  }

  async refresh(): Promise<void> {
    const seq = ++this.latest;
    const editor = vscode.window.activeTextEditor;
    const conn = this.connection();
    if (!conn || !editor || editor.document.uri.scheme !== 'file') {
      this.item.hide();
      return;
    }
    try {
      const ctx = await fetchContext(conn, editor.document.uri.toString(), {
        languageId: editor.document.languageId,
      });
      if (seq !== this.latest) return;
      this.item.text = statusText(ctx);
      this.item.tooltip = statusTooltip(ctx);
      this.item.show();
    } catch {
      // Files outside the workspace are refused by design (-32602), and a
      // server that is restarting cannot answer: either way, nothing to show.
      if (seq === this.latest) this.item.hide();
    }
  }

  dispose(): void {
    this.item.dispose();
  }
}
