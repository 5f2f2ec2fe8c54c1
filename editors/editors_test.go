package editors

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// need skips a client test when its tool is missing, except in CI, where .ci/run
// installs every tool first and a missing one is a failure.
func need(t *testing.T, what string, ok bool) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is missing in CI: .ci/run should have installed it", what)
	}
	t.Skipf("%s is not installed; .ci/run installs it", what)
}

// buildServer builds the airules binary the clients start.
func buildServer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "airules")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	cmd := exec.Command("go", "build", "-o", bin, "../cmd/airules")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func workspace(t *testing.T) string {
	ws, err := filepath.Abs("../testdata/example")
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

// skipStatus is what the client test scripts exit with when their editor is missing.
const skipStatus = 77

// runClient runs a client's test script and fails with its output when it fails.
func runClient(t *testing.T, dir string, env []string, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	t.Logf("%s %s:\n%s", name, strings.Join(args, " "), out)
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == skipStatus {
		need(t, name+" "+strings.Join(args, " ")+": its editor", false)
	}
	if err != nil {
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
}

func TestNeovimPlugin(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Neovim")
	}
	_, err := exec.LookPath("nvim")
	need(t, "nvim", err == nil)
	bin := buildServer(t)
	env := []string{"AIRULES_BIN=" + bin, "AIRULES_WORKSPACE=" + workspace(t), "XDG_CACHE_HOME=" + t.TempDir()}
	runClient(t, "..", env, "bash", "editors/nvim/test/run.sh")
}

func TestEmacsEglot(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Emacs")
	}
	_, err := exec.LookPath("emacs")
	need(t, "emacs", err == nil)
	bin := buildServer(t)
	runClient(t, "..", []string{"AIRULES_BIN=" + bin, "AIRULES_WORKSPACE=" + workspace(t)}, "bash", "editors/emacs-test/run.sh")
}

func TestVSCodeExtension(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and packages the extension")
	}
	_, err := os.Stat("vscode/node_modules")
	need(t, "editors/vscode/node_modules (npm ci)", err == nil)
	_, err = exec.LookPath("npm")
	need(t, "npm", err == nil)
	bin := buildServer(t)
	env := []string{"AIRULES_BIN=" + bin, "AIRULES_WORKSPACE=" + workspace(t), "XDG_CACHE_HOME=" + t.TempDir()}
	runClient(t, "vscode", env, "npm", "run", "ci")
	vsix, _ := filepath.Glob("vscode/*.vsix")
	if len(vsix) == 0 {
		t.Fatal("npm run ci produced no .vsix")
	}
	for _, v := range vsix {
		st, err := os.Stat(v)
		if err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", v, err)
		}
		t.Logf("%s: %d bytes", v, st.Size())
	}
}

// codeServerDir is where editors/vscode/e2e/install-code-server.sh (run by .ci/run)
// installs code-server and playwright-core: outside the repository.
func codeServerDir(t *testing.T) string {
	if dir := os.Getenv("AIRULES_CODE_SERVER_DIR"); dir != "" {
		return dir
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatalf("no cache folder for code-server: %v", err)
	}
	return filepath.Join(cache, "airules-code-server")
}

// TestVSCodeInCodeServer runs the packaged extension in a real VS Code
// (code-server, driven through Chromium) against a freshly built server; see
// editors/vscode/e2e/code-server.mjs for the steps. On failure it names the
// folder with a screenshot of every step.
func TestVSCodeInCodeServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts code-server and Chromium")
	}
	dir := codeServerDir(t)
	_, err := os.Stat(filepath.Join(dir, "node_modules", ".bin", "code-server"))
	need(t, "code-server in "+dir, err == nil)
	_, err = os.Stat(filepath.Join(dir, "node_modules", "playwright-core", "package.json"))
	need(t, "playwright-core in "+dir, err == nil)
	chromium, err := exec.LookPath("chromium")
	need(t, "chromium", err == nil)
	_, err = exec.LookPath("node")
	need(t, "node", err == nil)
	_, err = os.Stat("vscode/node_modules")
	need(t, "editors/vscode/node_modules (npm ci)", err == nil)

	bin := buildServer(t)
	tmp := t.TempDir()
	vsix := filepath.Join(tmp, "airules.vsix")
	pack := exec.Command("npm", "run", "package", "--", "--out", vsix)
	pack.Dir = "vscode"
	if out, err := pack.CombinedOutput(); err != nil {
		t.Fatalf("npm run package: %v\n%s", err, out)
	}
	ws := filepath.Join(tmp, "ws")
	if err := os.CopyFS(ws, os.DirFS(workspace(t))); err != nil {
		t.Fatalf("copy the example workspace: %v", err)
	}
	scratch := filepath.Join(tmp, "scratch")
	if err := os.Mkdir(scratch, 0o755); err != nil {
		t.Fatal(err)
	}
	// Outside t.TempDir, which is removed after a failure too.
	shots, err := os.MkdirTemp("", "airules-vscode-screenshots-")
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "e2e/code-server.mjs")
	ownGroup(cmd)
	cmd.Dir = "vscode"
	cmd.Env = append(os.Environ(),
		"AIRULES_CODE_SERVER_DIR="+dir, "AIRULES_CHROMIUM="+chromium, "AIRULES_BIN="+bin,
		"AIRULES_VSIX="+vsix, "AIRULES_WORKSPACE="+ws, "AIRULES_SCREENSHOTS="+shots, "AIRULES_TMP="+scratch)
	out, err := cmd.CombinedOutput()
	t.Logf("node e2e/code-server.mjs:\n%s", out)
	if err != nil {
		if log, rerr := os.ReadFile(filepath.Join(scratch, "code-server.log")); rerr == nil {
			t.Logf("code-server.log:\n%s", log)
		}
		t.Fatalf("VS Code end-to-end test: %v (ctx: %v); a screenshot of every step is in %s", err, ctx.Err(), shots)
	}
	if err := os.RemoveAll(shots); err != nil {
		t.Log(err)
	}
}
