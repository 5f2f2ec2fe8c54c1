package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func TestReadVersion(t *testing.T) {
	rev := "0123456789abcdef0123456789abcdef01234567"
	vcs := []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.time", Value: "2026-12-01T16:00:00Z"}}
	tests := []struct {
		name    string
		ldflags string
		bi      *debug.BuildInfo
		want    string // the line up to the Go version
	}{
		{"no build info", "dev", nil, "airules dev ("},
		{"go run: devel, no VCS", "dev", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "airules dev ("},
		{"go build in a clone", "dev", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261201160000-0123456789ab"}, Settings: vcs},
			"airules v0.0.0-20261201160000-0123456789ab (revision 0123456789ab, 2026-12-01T16:00:00Z, "},
		{"modified tree", "dev", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261201160000-0123456789ab+dirty"},
			Settings: append(vcs[:3:3], debug.BuildSetting{Key: "vcs.modified", Value: "true"})},
			"airules v0.0.0-20261201160000-0123456789ab+dirty (revision 0123456789ab, 2026-12-01T16:00:00Z, modified, "},
		{"devel with VCS", "dev", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs},
			"airules dev (revision 0123456789ab, 2026-12-01T16:00:00Z, "},
		{"ldflags win", "v1.2.3", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.0"}}, "airules v1.2.3 ("},
		{"tagged module", "dev", &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}}, "airules v1.4.0 ("},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := readVersion(tt.ldflags, tt.bi, tt.bi != nil).String()
			if !strings.HasPrefix(got, tt.want) || !strings.HasSuffix(got, ")") || strings.Contains(got, "\n") {
				t.Errorf("got %q, want it to start with %q", got, tt.want)
			}
		})
	}
}

// TestBuiltBinaryNamesRevision builds the binary as go install does in a clone, and
// checks that `airules version` names the commit. The clone is a copy of this tree's
// files committed afresh (so it builds the code under test, and because go finds no VCS
// in a git worktree, whose .git is a file), with one more file left uncommitted.
func TestBuiltBinaryNamesRevision(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	for _, tool := range []string{"git", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is needed in CI: %v", tool, err)
			}
			t.Skipf("no %s: %v", tool, err)
		}
	}
	git := func(dir string, args ...string) string {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=airules test", "-c", "user.email=test@example.invalid"}, args...)...)
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("git %v: %v", args, err)
		}
		return strings.TrimSpace(string(out))
	}
	top := git(".", "rev-parse", "--show-toplevel")
	clone := t.TempDir()
	for _, name := range strings.Split(git(top, "ls-files", "-co", "--exclude-standard", "-z"), "\x00") {
		if name == "" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(top, name))
		if os.IsNotExist(err) {
			continue // deleted in the work tree
		}
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(clone, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	git(clone, "init", "-q")
	git(clone, "add", "-A")
	git(clone, "commit", "-q", "-m", "the tree under test")
	rev := git(clone, "rev-parse", "HEAD")
	if err := os.WriteFile(filepath.Join(clone, "local-change.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "airules")
	// -buildvcs=true: a GOFLAGS of -buildvcs=false (as on some machines) would drop the
	// stamp that go build and go install give by default.
	build := exec.Command("go", "build", "-buildvcs=true", "-o", bin, "./cmd/airules")
	build.Dir = clone
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
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
