package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"time"

	"github.com/airules/airules/index"
	"github.com/airules/airules/rules"
	"github.com/spf13/pflag"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// workspace is what a CLI command needs of an indexed workspace.
type workspace struct {
	root       string
	ix         *index.Index
	snap       *index.Snapshot // what the fields below come from
	set        *rules.Set
	files      *rules.FileList
	problems   map[string][]rules.Problem // abs path of each rule file → its problems
	generation uint64
}

func (w *workspace) close() error { return w.ix.Close() }

// workspaceFlags are the flags every workspace command shares.
type workspaceFlags struct {
	root        string
	rulesDir    string
	noCache     bool
	teamTimeout time.Duration // how long to wait for the team server (team.go)
	// progress shows a progress line on a terminal while the index is built (set by
	// the commands that index a whole workspace for a person to wait on).
	progress bool
}

func addWorkspaceFlags(fs *pflag.FlagSet, wf *workspaceFlags) {
	fs.StringVar(&wf.root, "root", "", "the workspace root `DIR` (default: the nearest folder above holding rule files or a project; see 'airules --help')")
	fs.StringVar(&wf.rulesDir, "rules-dir", ".ai-rules", "the native rules folder `DIR`, relative to the workspace")
	fs.BoolVar(&wf.noCache, "no-cache", false, "do not use or update the index cache; read every file")
	fs.DurationVar(&wf.teamTimeout, "team-timeout", 2*time.Second, "how long to wait for the team server before answering from the cache")
}

// ruleRoots mark a workspace by the rule files of a tool that live at a project's top:
// with .git, the nearest folder holding one is the root.
var ruleRoots = []string{
	".cursor/rules", ".cursorrules", ".github/copilot-instructions.md", ".github/instructions",
	".windsurf/rules", ".windsurfrules", ".clinerules", ".continue/rules", ".continuerules",
	".kiro/steering", ".git",
}

// projectMarks are rule files scoped to their folder and project manifests: both sit in
// subfolders of a monorepo too, so they mark the root only where nothing above does.
var projectMarks = []string{"AGENTS.md", "CLAUDE.md", ".claude", "GEMINI.md", "go.mod", "package.json", "mix.exs"}

// findRoot walks up from start, a folder, to the workspace root: the nearest folder
// holding the native rules folder, another tool's rules root or .git; else the nearest
// holding a folder-scoped rule file or a project manifest; else start. It never goes
// to / or the home folder (whose ~/.claude is the user's own), and a start that is
// one of them is an error: indexing it would walk the whole disk.
func findRoot(start, rulesDir string) (string, error) {
	home, _ := os.UserHomeDir()
	stop := func(dir string) bool { return filepath.Dir(dir) == dir || (home != "" && dir == home) }
	if stop(start) {
		return "", fmt.Errorf("%s is not a workspace (/ or the home folder, whose index would be the whole disk): run airules inside a project or give --root", start)
	}
	has := func(dir string, marks []string) bool {
		for _, m := range marks {
			if _, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(m))); err == nil {
				return true
			}
		}
		return false
	}
	roots := append([]string{rulesDir}, ruleRoots...)
	project := ""
	for dir := start; !stop(dir); dir = filepath.Dir(dir) {
		if has(dir, roots) {
			return dir, nil
		}
		if project == "" && has(dir, projectMarks) {
			project = dir
		}
	}
	if project != "" {
		return project, nil
	}
	return start, nil
}

// resolveRoot makes the --root flag absolute, or finds the root from near (a file or
// folder the command is about, which need not exist yet: the search starts at the
// nearest folder above it that does).
func (f *workspaceFlags) resolveRoot(near string) (string, error) {
	if f.root != "" {
		abs, err := filepath.Abs(f.root)
		if err != nil {
			return "", fmt.Errorf("root %s: %w", f.root, err)
		}
		st, err := os.Stat(abs)
		if err != nil {
			return "", fmt.Errorf("root: %w", err)
		}
		if !st.IsDir() {
			return "", fmt.Errorf("root %s is not a folder", f.root)
		}
		return abs, nil
	}
	start, err := filepath.Abs(near)
	if err != nil {
		return "", err
	}
	for {
		st, err := os.Stat(start)
		if err == nil && st.IsDir() {
			break
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("find the workspace of %s: %w", near, err)
		}
		start = filepath.Dir(start)
	}
	return findRoot(start, f.rulesDir)
}

// userRulesDir is where the user keeps rules of their own, when that folder exists.
func userRulesDir() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	dir = filepath.Join(dir, "airules", "rules")
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return ""
	}
	return dir
}

// cliLogger writes the index's warnings (a damaged cache rebuilt, an unreadable folder)
// to stderr; stdout is the command's output.
func cliLogger(stderr io.Writer) *zap.Logger {
	enc := zap.NewDevelopmentEncoderConfig()
	enc.TimeKey = ""
	core := zapcore.NewCore(zapcore.NewConsoleEncoder(enc), zapcore.AddSync(stderr), zapcore.WarnLevel)
	return zap.New(core)
}

// openWorkspace opens the workspace's index: warm from the cache unless --no-cache.
func openWorkspace(root string, f *workspaceFlags, stderr io.Writer) (*workspace, error) {
	commandGC()
	opt := index.Options{
		Root: root, RulesDir: f.rulesDir, UserRulesDir: userRulesDir(), Cause: "cli", Logger: cliLogger(stderr),
	}
	if f.noCache {
		opt.DBPath = ":memory:"
	}
	if f.progress && isTerminal(stderr) {
		p := newProgressLine(stderr, time.Now, progressDelay)
		opt.Progress = p.report
		defer p.finish()
	}
	opt = withTeam(opt)
	ix, err := index.Open(context.Background(), opt)
	if err != nil {
		return nil, fmt.Errorf("index %s: %w", root, err)
	}
	syncTeam(ix, f.teamTimeout, stderr)
	snap := ix.Snapshot()
	return &workspace{root: root, ix: ix, snap: snap, set: snap.Rules, files: snap.Files, problems: snap.Problems, generation: snap.Generation}, nil
}

// commandGC sets the collector of a command that answers once and exits (rules,
// context, lint, history): everything it builds is alive until it prints, so a
// collection finds little to free, and at the default setting a warm start of 10,000
// rules spent a sixth of its time collecting. Collecting at four times the live heap
// instead of twice costs a few megabytes for as long as the command runs
// (BenchmarkWarmStartCLI). GOGC in the environment wins.
func commandGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}
