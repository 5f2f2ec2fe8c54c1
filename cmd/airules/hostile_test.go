package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// These tests run the built binary on a hostile repository: the attacks they replay
// killed or hung the whole process, which no in-process test survives.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "airules-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "airules")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// hostileRepo is a workspace with one clean rule; attack adds the hostile part.
func hostileRepo(t *testing.T, attack func(root string)) string {
	t.Helper()
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, ".ai-rules"), 0o755); err != nil {
		t.Fatal(err)
	}
	rule := "---\ndescription: clean\nglobs: [\"**/*.go\"]\n---\nWrite tests.\n"
	if err := os.WriteFile(filepath.Join(root, ".ai-rules", "clean.md"), []byte(rule), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "main.go"), []byte("package main\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	attack(root)
	return root
}

type runOut struct {
	code           int
	stdout, stderr string
}

// runBin runs the binary with a deadline; prefix (prlimit …) runs before it.
func runBin(t *testing.T, env []string, prefix []string, args ...string) runOut {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	argv := append(append(append([]string{}, prefix...), binary(t)), args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%v did not end within 60 s (stderr %q)", args, errb.String())
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return runOut{code, out.String(), errb.String()}
}

func cacheEnv(t *testing.T) []string {
	return []string{"XDG_CACHE_HOME=" + t.TempDir(), "XDG_CONFIG_HOME=" + t.TempDir()}
}

// TestLintHostileGitignore is rows 1 and 5: a .gitignore that is /dev/zero (out of
// memory, under an address-space limit) or a FIFO (a hang) must leave lint working.
func TestLintHostileGitignore(t *testing.T) {
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("prlimit (util-linux) is missing")
		}
		t.Skip("no prlimit")
	}
	for name, attack := range map[string]func(root string){
		"dev zero": func(root string) { os.Symlink("/dev/zero", filepath.Join(root, ".gitignore")) },
		"FIFO":     func(root string) { mkfifo(t, filepath.Join(root, ".gitignore")) },
		"FIFO link": func(root string) {
			mkfifo(t, filepath.Join(root, "p"))
			os.Symlink("p", filepath.Join(root, ".gitignore"))
		},
	} {
		t.Run(name, func(t *testing.T) {
			root := hostileRepo(t, attack)
			// 4 GiB of address space: plenty for airules, far short of /dev/zero.
			r := runBin(t, cacheEnv(t), []string{prlimit, "--as=4294967296"}, "lint", "--root", root)
			if r.code != 0 || !strings.Contains(r.stderr, "1 rule file, no problems") {
				t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
			}
		})
	}
}

// TestLintCacheIsFIFO is row 8: the index database replaced by a FIFO.
func TestLintCacheIsFIFO(t *testing.T) {
	root := hostileRepo(t, func(string) {})
	env := cacheEnv(t)
	cache := strings.TrimPrefix(env[0], "XDG_CACHE_HOME=")
	real, err := filepath.EvalSymlinks(root)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(real))
	db := filepath.Join(cache, "airules", hex.EncodeToString(sum[:])[:16], "index.db")
	if err := os.MkdirAll(filepath.Dir(db), 0o700); err != nil {
		t.Fatal(err)
	}
	mkfifo(t, db)
	r := runBin(t, env, nil, "lint", "--root", root)
	if r.code != 0 || !strings.Contains(r.stderr, "no problems") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	if st, err := os.Lstat(db); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced: %v", err)
	}
}

// TestLintUnreadableRule is row 9 on a real file: it needs a user that permissions
// stop (the index's TestUnreadableRules injects the error and runs as anyone).
func TestLintUnreadableRule(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads every file; index.TestUnreadableRules covers this")
	}
	root := hostileRepo(t, func(root string) {
		p := filepath.Join(root, ".ai-rules", "secret.md")
		os.WriteFile(p, []byte("---\ndescription: s\n---\nx\n"), 0o000)
	})
	r := runBin(t, cacheEnv(t), nil, "lint", "--root", root)
	if r.code != 1 || !strings.Contains(r.stdout, "AIR019") || !strings.Contains(r.stdout, "permission denied") {
		t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// TestInitRefusesOutside is row 11: .ai-rules linked out of the workspace.
func TestInitRefusesOutside(t *testing.T) {
	outside := t.TempDir()
	root := t.TempDir()
	if err := os.Symlink(outside, filepath.Join(root, ".ai-rules")); err != nil {
		t.Fatal(err)
	}
	r := runBin(t, cacheEnv(t), nil, "init", "--root", root)
	if r.code == 0 || !strings.Contains(r.stderr, "outside the workspace") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	if es, _ := os.ReadDir(outside); len(es) != 0 {
		t.Errorf("init wrote %d entries outside the workspace", len(es))
	}
	// A rules folder inside, even through a link, is fine.
	inner := t.TempDir()
	if err := os.MkdirAll(filepath.Join(inner, "shared"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("shared", filepath.Join(inner, ".ai-rules")); err != nil {
		t.Fatal(err)
	}
	if r := runBin(t, cacheEnv(t), nil, "init", "--root", inner); r.code != 0 {
		t.Errorf("inside link: exit %d, stderr %q", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(inner, "shared", "00-global", "general.md")); err != nil {
		t.Error(err)
	}
}

// TestServeGitignoreIsStdin is row 2: under serve, a .gitignore linked to /dev/stdin
// made the index read the LSP pipe; the index never got ready and requests were lost.
func TestServeGitignoreIsStdin(t *testing.T) {
	root := hostileRepo(t, func(root string) { os.Symlink("/dev/stdin", filepath.Join(root, ".gitignore")) })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary(t), "serve", "--stdio")
	cmd.Env = append(os.Environ(), cacheEnv(t)...)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = cmd.Wait() }()
	answers := make(chan map[string]any, 64)
	go readFrames(bufio.NewReader(outPipe), answers)
	send := func(v map[string]any) {
		v["jsonrpc"] = "2.0"
		b, _ := json.Marshal(v)
		if _, err := fmt.Fprintf(in, "Content-Length: %d\r\n\r\n%s", len(b), b); err != nil {
			t.Fatal(err)
		}
	}
	uri := "file://" + root
	send(map[string]any{"id": 0, "method": "initialize", "params": map[string]any{
		"processId": os.Getpid(), "rootUri": uri, "capabilities": map[string]any{},
		"workspaceFolders": []map[string]any{{"uri": uri, "name": "w"}}}})
	send(map[string]any{"method": "initialized", "params": map[string]any{}})
	const n = 20
	for i := 1; i <= n; i++ {
		send(map[string]any{"id": i, "method": "airules/context", "params": map[string]any{
			"textDocument": map[string]any{"uri": uri + "/main.go"}}})
	}
	got := map[int]map[string]any{}
	for len(got) < n+1 {
		select {
		case m, ok := <-answers:
			if !ok {
				t.Fatalf("server closed its output after %d answers", len(got))
			}
			if id, ok := m["id"].(float64); ok && m["method"] == nil {
				got[int(id)] = m
			}
		case <-ctx.Done():
			t.Fatalf("%d of %d requests answered", len(got), n+1)
		}
	}
	for i := 1; i <= n; i++ {
		res, _ := got[i]["result"].(map[string]any)
		if res == nil || !strings.Contains(fmt.Sprint(res["prompt"]), "Write tests.") {
			t.Errorf("request %d: %v", i, got[i])
			break
		}
	}
	in.Close()
}

func readFrames(in *bufio.Reader, out chan<- map[string]any) {
	defer close(out)
	for {
		length := -1
		for {
			line, err := in.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimSpace(line)
			if line == "" {
				break
			}
			if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
				length, _ = strconv.Atoi(v)
			}
		}
		body := make([]byte, length)
		if _, err := io.ReadFull(in, body); err != nil {
			return
		}
		var m map[string]any
		if json.Unmarshal(body, &m) == nil {
			out <- m
		}
	}
}
