// A shim of the `vscode` module: exactly the API surface that loading the
// bundle (vscode-languageclient subclasses a few classes at load time) and
// activating the extension without a server touch. VS Code itself cannot be
// downloaded here; this lets test/activation.test.ts run the real
// dist/extension.js. Anything not listed here is undefined, so a new use of
// the API in the activation path fails the test loudly instead of passing.

export interface ShimProvider {
  provideTextDocumentContent(uri: { query?: string; toString(skipEncoding?: boolean): string }): Promise<string>;
}

export interface ShimRecord {
  errors: string[];
  infos: string[];
  log: string[];
  commands: Map<string, (...args: unknown[]) => unknown>;
  providers: Map<string, ShimProvider>;
  statusItems: { text: string; visible: boolean }[];
  clipboard: string;
}

export function createVscodeShim(opts: { config?: Record<string, unknown>; folder?: string } = {}) {
  const record: ShimRecord = {
    errors: [],
    infos: [],
    log: [],
    commands: new Map(),
    providers: new Map(),
    statusItems: [],
    clipboard: '',
  };

  class Disposable {
    constructor(private readonly fn?: () => void) {}
    dispose(): void {
      this.fn?.();
    }
  }

  class EventEmitter<T> {
    private listeners: ((e: T) => void)[] = [];
    event = (listener: (e: T) => void) => {
      this.listeners.push(listener);
      return new Disposable(() => (this.listeners = this.listeners.filter((l) => l !== listener)));
    };
    fire(e: T): void {
      for (const l of this.listeners) l(e);
    }
    dispose(): void {
      this.listeners = [];
    }
  }

  const noEvent = () => new Disposable();
  const logger = (level: string) => (message: string) => record.log.push(`${level} ${message}`);

  const api = {
    // Base classes that vscode-languageclient extends when its module loads.
    CompletionItem: class {},
    CodeLens: class {},
    DocumentLink: class {},
    CodeAction: class {},
    Diagnostic: class {},
    CallHierarchyItem: class {},
    TypeHierarchyItem: class {},
    SymbolInformation: class {},
    InlayHint: class {},
    CancellationError: class extends Error {},

    Disposable,
    EventEmitter,
    StatusBarAlignment: { Left: 1, Right: 2 },

    window: {
      activeTextEditor: undefined as undefined | { document: { uri: { scheme: string; toString(): string }; languageId: string } },
      createOutputChannel: () => ({
        info: logger('info'),
        warn: logger('warn'),
        error: logger('error'),
        dispose() {},
      }),
      createStatusBarItem: () => {
        const item = {
          text: '',
          tooltip: '',
          name: '',
          command: '',
          visible: false,
          show: () => void (item.visible = true),
          hide: () => void (item.visible = false),
          dispose() {},
        };
        record.statusItems.push(item);
        return item;
      },
      onDidChangeActiveTextEditor: noEvent,
      showErrorMessage: async (message: string) => {
        record.errors.push(message);
        return undefined;
      },
      showInformationMessage: async (message: string) => {
        record.infos.push(message);
        return undefined;
      },
    },

    workspace: {
      workspaceFolders: opts.folder ? [{ uri: { fsPath: opts.folder } }] : undefined,
      textDocuments: [],
      getConfiguration: () => ({ get: (key: string) => opts.config?.[key] }),
      registerTextDocumentContentProvider: (scheme: string, provider: ShimProvider) => {
        record.providers.set(scheme, provider);
        return new Disposable(() => record.providers.delete(scheme));
      },
      onDidChangeConfiguration: noEvent,
    },

    languages: {
      getDiagnostics: () => [],
      onDidChangeDiagnostics: noEvent,
    },

    commands: {
      registerCommand: (id: string, fn: (...args: unknown[]) => unknown) => {
        record.commands.set(id, fn);
        return new Disposable(() => record.commands.delete(id));
      },
    },

    env: {
      clipboard: {
        writeText: async (text: string) => void (record.clipboard = text),
      },
    },
  };

  return { api, record };
}
