// Finding the `airules` binary. The lookup takes its environment (PATH, the
// file system, the platform) as arguments so tests can describe any machine.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// The module is not published: `go install …@latest` cannot find it, so the
// command builds from a clone.
export const installCommand = 'go install ./cmd/airules';

export interface LookupEnv {
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
  homedir: string;
  /** True when `file` exists, is a regular file and may be executed. */
  isExecutable(file: string): boolean;
}

export type Resolution =
  | { ok: true; path: string; source: 'setting' | 'PATH' | 'go bin' }
  | { ok: false; message: string };

/**
 * Resolves the server binary:
 * 1. `configured` (setting `airules.server.path`): `~` and `${workspaceFolder}`
 *    are expanded and a relative path is taken from the first workspace folder.
 *    A path that is set but wrong is an error; silently running some other
 *    binary instead would hide the mistake.
 * 2. `airules` on PATH.
 * 3. Where `go install` puts it ($GOBIN, $GOPATH/bin, ~/go/bin): an editor
 *    started from a desktop launcher often lacks the shell's PATH.
 */
export function resolveServerPath(
  configured: string,
  workspaceDir: string | undefined,
  look: LookupEnv,
): Resolution {
  const p = look.platform === 'win32' ? path.win32 : path.posix;
  const names = look.platform === 'win32' ? ['airules.exe'] : ['airules'];

  if (configured.trim() !== '') {
    let file = configured.trim();
    if (file === '~' || file.startsWith('~/') || file.startsWith('~\\')) {
      file = p.join(look.homedir, file.slice(1));
    }
    if (workspaceDir) file = file.split('${workspaceFolder}').join(workspaceDir);
    if (!p.isAbsolute(file)) {
      if (!workspaceDir) {
        return { ok: false, message: `airules.server.path is relative ("${configured}") but no folder is open to resolve it against.` };
      }
      file = p.resolve(workspaceDir, file);
    }
    if (look.isExecutable(file)) return { ok: true, path: file, source: 'setting' };
    return {
      ok: false,
      message: `airules.server.path is set to "${configured}", but ${file} is not an executable file.`,
    };
  }

  const pathVar = look.env.PATH ?? look.env.Path ?? '';
  for (const dir of pathVar.split(p.delimiter)) {
    // An empty PATH entry means the current directory, which in an editor is
    // arbitrary; skip it rather than run whatever happens to be there.
    if (dir === '') continue;
    for (const name of names) {
      const file = p.join(dir, name);
      if (look.isExecutable(file)) return { ok: true, path: file, source: 'PATH' };
    }
  }

  const goDirs: string[] = [];
  if (look.env.GOBIN) goDirs.push(look.env.GOBIN);
  const gopath = look.env.GOPATH?.split(p.delimiter).find((d) => d !== '');
  goDirs.push(p.join(gopath ?? p.join(look.homedir, 'go'), 'bin'));
  for (const dir of goDirs) {
    for (const name of names) {
      const file = p.join(dir, name);
      if (look.isExecutable(file)) return { ok: true, path: file, source: 'go bin' };
    }
  }

  return {
    ok: false,
    message:
      'The airules language server was not found on PATH. ' +
      `Install it with \`${installCommand}\` in a clone of airules, or set airules.server.path to the binary.`,
  };
}

/** The real machine. */
export function hostLookup(): LookupEnv {
  return {
    platform: process.platform,
    env: process.env,
    homedir: os.homedir(),
    isExecutable(file) {
      try {
        if (!fs.statSync(file).isFile()) return false;
        // Windows has no execute bit; existence is what counts there.
        if (process.platform !== 'win32') fs.accessSync(file, fs.constants.X_OK);
        return true;
      } catch {
        return false;
      }
    },
  };
}
