package index

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/airules/airules/rules"
)

// within runs fn and fails the test if it has not returned by the deadline: the
// attacks below used to block forever.
func within(t *testing.T, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s did not return", what)
	}
}

func TestReadWorkspaceFileRefuses(t *testing.T) {
	outside := t.TempDir()
	secret := write(t, outside, "secret", "root:x:0:0\n")
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, root string) // makes root/f
		want  error
	}{
		{"link to /dev/zero", func(t *testing.T, root string) { symlink(t, "/dev/zero", root+"/f") }, ErrNotRegular},
		{"link to /dev/stdin", func(t *testing.T, root string) { symlink(t, "/dev/stdin", root+"/f") }, nil},
		{"FIFO", func(t *testing.T, root string) { mkfifo(t, root+"/f") }, ErrNotRegular},
		{"link to a FIFO", func(t *testing.T, root string) {
			mkfifo(t, root+"/fifo")
			symlink(t, "fifo", root+"/f")
		}, ErrNotRegular},
		{"folder", func(t *testing.T, root string) { os.Mkdir(root+"/f", 0o755) }, ErrNotRegular},
		{"link outside", func(t *testing.T, root string) { symlink(t, secret, root+"/f") }, ErrOutside},
		{"link to a link outside", func(t *testing.T, root string) {
			symlink(t, secret, root+"/g")
			symlink(t, "g", root+"/f")
		}, ErrOutside},
		{"too large", func(t *testing.T, root string) { write(t, root, "f", strings.Repeat("x", 2000)) }, ErrTooLarge},
		{"missing", func(t *testing.T, root string) {}, fs.ErrNotExist},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			tc.setup(t, root)
			var err error
			within(t, "read", func() { _, _, err = ReadWorkspaceFile(root, "f", 1000) })
			if err == nil {
				t.Fatal("read succeeded")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
			// /dev/stdin is whatever the test runs with (a pipe, /dev/null, a tty):
			// never a regular file inside the workspace.
			if tc.want == nil && !errors.Is(err, ErrNotRegular) && !errors.Is(err, ErrOutside) {
				t.Errorf("error %v, want not regular or outside", err)
			}
		})
	}
	t.Run("inside link and plain file", func(t *testing.T) {
		root := t.TempDir()
		write(t, root, "real/x", "hello")
		symlink(t, "real/x", root+"/f")
		for _, rel := range []string{"f", "real/x"} {
			data, st, err := ReadWorkspaceFile(root, rel, 1000)
			if err != nil || string(data) != "hello" || st.Size() != 5 {
				t.Errorf("%s: %q, %v", rel, data, err)
			}
		}
		if _, _, err := ReadWorkspaceFile(root, "../x", 1000); !errors.Is(err, ErrOutside) {
			t.Errorf("../x: %v, want outside", err)
		}
	})
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// TestHostileGitignore is rows 1, 2 and 5 of the hostile-repository table: a .gitignore
// that is /dev/zero, /dev/stdin, a FIFO or a file outside is not read, and the index
// opens anyway with its rules.
func TestHostileGitignore(t *testing.T) {
	outside := t.TempDir()
	secret := write(t, outside, "secret", "*.md\n")
	for name, setup := range map[string]func(t *testing.T, root string){
		"dev zero":  func(t *testing.T, root string) { symlink(t, "/dev/zero", root+"/.gitignore") },
		"dev stdin": func(t *testing.T, root string) { symlink(t, "/dev/stdin", root+"/.gitignore") },
		"FIFO":      func(t *testing.T, root string) { mkfifo(t, root+"/.gitignore") },
		"FIFO link": func(t *testing.T, root string) { mkfifo(t, root+"/p"); symlink(t, "p", root+"/.gitignore") },
		"outside":   func(t *testing.T, root string) { symlink(t, secret, root+"/.gitignore") },
		"oversized": func(t *testing.T, root string) {
			write(t, root, ".gitignore", "*.md\n"+strings.Repeat("#\n", MaxGitignoreSize))
		},
		"inside ok*": func(t *testing.T, root string) {
			write(t, root, "ig", "other/\n")
			symlink(t, "ig", root+"/.gitignore")
		},
	} {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			write(t, root, ".ai-rules/a.md", ruleText("a"))
			write(t, root, "docs/readme.md", "x")
			setup(t, root)
			var ix *Index
			within(t, "Open", func() { ix = open(t, Options{Root: root}) })
			s := ix.Snapshot()
			if s.Rules.Len() != 1 {
				t.Errorf("rules %v", ids(s))
			}
			// The outside and oversized files ignore *.md: applied, docs/readme.md would go.
			if s.Files.Len() == 0 || !containsFile(s, "docs/readme.md") {
				t.Errorf("workspace files lost: %d", s.Files.Len())
			}
			within(t, "Reindex", func() {
				if _, err := ix.Reindex(context.Background(), "test", filepath.Join(root, ".gitignore")); err != nil {
					t.Error(err)
				}
			})
		})
	}
}

func containsFile(s *Snapshot, rel string) bool {
	for _, f := range s.Files.Files() {
		if f == rel {
			return true
		}
	}
	return false
}

// TestReadFlippedLink is row 4: a process flips a link between a file inside and a
// file outside while the reader reads it. The outside content must never come back.
func TestReadFlippedLink(t *testing.T) {
	root, outside := t.TempDir(), t.TempDir()
	write(t, root, "inside.md", "inside")
	secret := write(t, outside, "secret.md", "SECRET")
	link := filepath.Join(root, "f.md")
	symlink(t, "inside.md", link)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var flips atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		tmp := filepath.Join(root, ".tmp-link")
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			target := "inside.md"
			if i%2 == 1 {
				target = secret
			}
			_ = os.Remove(tmp)
			if err := os.Symlink(target, tmp); err == nil && os.Rename(tmp, link) == nil {
				flips.Add(1)
			}
		}
	}()
	tr := newTree(root)
	var inside, refused int
	var buf []byte
	for i := 0; i < 4000 || flips.Load() < 100; i++ {
		data, _, err := tr.read(link, 1000, 0, &buf)
		switch {
		case err == nil && string(data) == "inside":
			inside++
		case err == nil:
			close(stop)
			wg.Wait()
			t.Fatalf("read %q through the flipped link", data)
		case errors.Is(err, ErrOutside) || errors.Is(err, fs.ErrNotExist):
			refused++
		default:
			t.Fatalf("unexpected error %v", err)
		}
	}
	close(stop)
	wg.Wait()
	if inside == 0 || refused == 0 {
		t.Errorf("the race never happened: %d inside, %d refused reads over %d flips", inside, refused, flips.Load())
	}
}

// TestIndexFlippedRuleLink is row 4 through the index: a rule file that is a link
// flipped between inside and outside never yields the outside file's content.
func TestIndexFlippedRuleLink(t *testing.T) {
	root, outside := t.TempDir(), t.TempDir()
	inside := write(t, root, "shared/in.md", ruleText("inside"))
	secret := write(t, outside, "secret.md", ruleText("SECRET"))
	link := filepath.Join(root, ".ai-rules", "r.md")
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	symlink(t, inside, link)
	ix := open(t, Options{Root: root})
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tmp := link + ".tmp"
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			target := inside
			if i%2 == 1 {
				target = secret
			}
			_ = os.Remove(tmp)
			if os.Symlink(target, tmp) == nil {
				_ = os.Rename(tmp, link)
			}
		}
	}()
	defer func() { close(stop); <-done }()
	for i := 0; i < 300; i++ {
		if _, err := ix.Reindex(context.Background(), "test", link); err != nil {
			t.Fatal(err)
		}
		for _, r := range ix.Snapshot().Rules.Rules() {
			if strings.Contains(r.Body, "SECRET") || r.Description == "SECRET" {
				t.Fatalf("reindex %d read the outside file", i)
			}
		}
	}
}

// failOpen makes opening fail with err for the paths fail reports; a test running as
// root cannot make a file unreadable with chmod.
func failOpen(t *testing.T, fail func(name string) bool, err error) {
	openHook = func(name string) error {
		if fail(name) {
			return err
		}
		return nil
	}
	t.Cleanup(func() { openHook = nil })
}

// TestUnreadableRules is row 9: a rule file or rule folder that exists but cannot be
// read is an AIR019 error with the OS reason, not a silent omission.
func TestUnreadableRules(t *testing.T) {
	root := t.TempDir()
	write(t, root, ".ai-rules/ok.md", ruleText("ok"))
	bad := write(t, root, ".ai-rules/secret.md", ruleText("secret"))
	badDir := filepath.Dir(write(t, root, ".ai-rules/locked/x.md", ruleText("x")))
	failOpen(t, func(n string) bool { return n == bad || n == badDir }, syscall.EACCES)
	ix := open(t, Options{Root: root})
	s := ix.Snapshot()
	for _, p := range []string{bad, badDir} {
		ps := s.Problems[p]
		if len(ps) != 1 || ps[0].Code != rules.CodeUnreadable || ps[0].Severity != rules.SeverityError ||
			!strings.Contains(ps[0].Message, "permission denied") {
			t.Errorf("%s: problems %+v", p, ps)
		}
	}
	if r := s.RuleAt(filepath.Join(root, ".ai-rules/ok.md")); r == nil || len(s.Problems[r.Path]) != 0 {
		t.Errorf("the readable rule is not indexed cleanly")
	}
	// Once readable (permissions change without the mtime), the problem goes.
	openHook = nil
	ch, err := ix.Reindex(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	s = ix.Snapshot()
	if len(s.Problems[bad]) != 0 || s.RuleAt(bad) == nil || s.RuleAt(bad).Description != "secret" ||
		s.RuleAt(filepath.Join(badDir, "x.md")) == nil {
		t.Errorf("after the fix: problems %+v, change %+v", s.Problems, ch)
	}
	if _, ok := s.Problems[badDir]; ok && len(s.Problems[badDir]) > 0 {
		t.Errorf("the folder's problem stayed: %+v", s.Problems[badDir])
	}
}

// TestGitignoreGlobsBounded: braces are literal in .gitignore (doublestar would expand
// them, exponentially), and a line with too many wildcards is dropped.
func TestGitignoreGlobsBounded(t *testing.T) {
	bomb := strings.Repeat("{*,**}", 24) + "x"
	g := parseGitignore([]byte(bomb + "\n" + strings.Repeat("*a", 70) + "\n{a,b}.log\n*.tmp\n"))
	long := strings.Repeat("a/", 40) + "x"
	var got []bool
	within(t, "ignored", func() {
		got = []bool{g.ignored(long, false), g.ignored("{a,b}.log", false), g.ignored("a.log", false), g.ignored("x.tmp", false)}
	})
	if want := []bool{false, true, false, true}; !slices.Equal(got, want) {
		t.Errorf("ignored %v, want %v", got, want)
	}
	if len(g.pats) != 3 {
		t.Errorf("patterns %+v: the 70-wildcard line should be dropped", g.pats)
	}
}

// TestReadCapped: the cap holds whatever size the caller expected (a file that grew
// since its stat), and the buffer is reused.
func TestReadCapped(t *testing.T) {
	var buf []byte
	for _, tc := range []struct {
		size, hint int
		ok         bool
	}{{1000, 1000, true}, {1000, 10, true}, {1001, 10, false}, {1001, 1000, false}, {5000, 0, false}, {0, 0, true}} {
		data, err := readCapped(strings.NewReader(strings.Repeat("x", tc.size)), 1000, int64(tc.hint), &buf)
		if tc.ok && (err != nil || len(data) != tc.size) {
			t.Errorf("%+v: %d bytes, %v", tc, len(data), err)
		}
		if !tc.ok && !errors.Is(err, ErrTooLarge) {
			t.Errorf("%+v: %v, want too large", tc, err)
		}
	}
}
