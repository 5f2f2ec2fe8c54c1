package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// needTool skips without a tool locally and fails without it in CI.
func needTool(t *testing.T, tool string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is needed in CI: %v", tool, err)
		}
		t.Skipf("no %s: %v", tool, err)
	}
}

var stamped struct {
	once           sync.Once
	base, bin, rev string
	err            error
}

// TestMain removes the binary built for the tests.
func TestMain(m *testing.M) {
	// serve and mcp, run in this process, start their count worker as this binary
	// with the command's arguments (newCountWorker): be that worker, not the tests.
	if len(os.Args) > 1 && os.Args[1] == "count-worker" {
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	code := m.Run()
	cleanupBench()
	if stamped.base != "" {
		_ = os.RemoveAll(stamped.base)
	}
	os.Exit(code)
}

// stampedBinary builds the binary as go install does in a clone, once per test run:
// the clone is a copy of this tree's files committed afresh (so it builds the code
// under test, and because go finds no VCS in a git worktree, whose .git is a file),
// with one more file left uncommitted. It returns the binary and the commit.
func stampedBinary(t *testing.T) (string, string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	needTool(t, "git")
	needTool(t, "go")
	stamped.once.Do(func() { stamped.bin, stamped.rev, stamped.err = buildStamped() })
	if stamped.err != nil {
		t.Fatal(stamped.err)
	}
	return stamped.bin, stamped.rev
}

func buildStamped() (string, string, error) {
	git := func(dir string, args ...string) (string, error) {
		cmd := exec.Command("git", append([]string{"-c", "user.name=airules test", "-c", "user.email=test@example.invalid"}, args...)...)
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			return "", fmt.Errorf("git %v: %w", args, err)
		}
		return strings.TrimSpace(string(out)), nil
	}
	top, err := git(".", "rev-parse", "--show-toplevel")
	if err != nil {
		return "", "", fmt.Errorf("not a git checkout: %w", err)
	}
	files, err := git(top, "ls-files", "-co", "--exclude-standard", "-z")
	if err != nil {
		return "", "", err
	}
	// Not t.TempDir: the binary outlives the test that built it.
	base, err := os.MkdirTemp("", "airules-build-")
	if err != nil {
		return "", "", err
	}
	stamped.base = base
	clone := filepath.Join(base, "clone")
	for _, name := range strings.Split(files, "\x00") {
		if name == "" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(top, name))
		if os.IsNotExist(err) {
			continue // deleted in the work tree
		}
		if err != nil {
			return "", "", err
		}
		dst := filepath.Join(clone, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return "", "", err
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			return "", "", err
		}
	}
	for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}, {"commit", "-q", "-m", "the tree under test"}} {
		if _, err := git(clone, args...); err != nil {
			return "", "", err
		}
	}
	rev, err := git(clone, "rev-parse", "HEAD")
	if err != nil {
		return "", "", err
	}
	if err := os.WriteFile(filepath.Join(clone, "local-change.txt"), []byte("x"), 0o644); err != nil {
		return "", "", err
	}
	bin := filepath.Join(base, "bin", "airules")
	// -buildvcs=true: a GOFLAGS of -buildvcs=false (as on some machines) would drop the
	// stamp that go build and go install give by default.
	build := exec.Command("go", "build", "-buildvcs=true", "-o", bin, "./cmd/airules")
	build.Dir = clone
	if out, err := build.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("go build: %w\n%s", err, out)
	}
	return bin, rev, os.RemoveAll(clone)
}

// TestBuiltBinaryNamesRevision checks that a binary built in a clone names the commit,
// and that the tree had a change not committed.
func TestBuiltBinaryNamesRevision(t *testing.T) {
	bin, rev := stampedBinary(t)
	out, err := exec.Command(bin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSuffix(string(out), "\n")
	short := rev[:12]
	if !strings.HasPrefix(line, "airules v0.0.0-") || !strings.Contains(line, "-"+short+"+dirty (revision "+short+", ") {
		t.Errorf("version %q does not name revision %s in its pseudo-version and revision", line, short)
	}
	if !strings.Contains(line, ", modified, ") {
		t.Errorf("version %q does not say the tree was modified", line)
	}
	flag, err := exec.Command(bin, "--version").Output()
	if err != nil || strings.TrimSuffix(string(flag), "\n") != line {
		t.Errorf("--version %q differs from version %q (%v)", flag, line, err)
	}
}

// TestBashCompletion loads `airules completion bash` into a real bash and completes
// the way bash does on Tab: the script calls the binary back.
func TestBashCompletion(t *testing.T) {
	needTool(t, "bash")
	// cobra's script builds on the bash-completion package, as every distribution's
	// bash does interactively.
	const bashCompletion = "/usr/share/bash-completion/bash_completion"
	if _, err := os.Stat(bashCompletion); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("bash-completion is needed in CI: %v", err)
		}
		t.Skipf("no bash-completion (Debian: apt-get install bash-completion): %v", err)
	}
	bin, _ := stampedBinary(t)
	tests := []struct {
		line string
		want []string
	}{
		{"airules lint --format ", []string{"json", "sarif", "text"}},
		{"airules comp", []string{"completion"}},
		{"airules schema --format c", []string{"claude-rules", "cline", "continue", "copilot", "cursor"}},
	}
	for _, tt := range tests {
		script := `source ` + bashCompletion + `
source <(airules completion bash)
read -ra COMP_WORDS <<< "$LINE"
[[ "$LINE" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
COMP_LINE="$LINE"; COMP_POINT=${#LINE}
__start_airules
printf '%s\n' "${COMPREPLY[@]}" | sort`
		cmd := exec.Command("bash", "--norc", "--noprofile", "-c", script)
		cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"), "LINE="+tt.line)
		// Only stdout: outside a real Tab press, bash's compopt complains on stderr.
		out, err := cmd.Output()
		got := strings.Fields(string(out))
		if err != nil || strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("%q: completions %q, want %q (%v)", tt.line, got, tt.want, err)
		}
	}
}
