package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/airules/airules/index"
	"github.com/airules/airules/rules"
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
}

// findRoot walks up from start to the nearest folder holding a rules root or .git;
// without one it is start itself.
func findRoot(start, rulesDir string) string {
	dir := start
	for {
		for _, marker := range []string{rulesDir, ".git"} {
			if _, err := os.Stat(filepath.Join(dir, marker)); err == nil {
				return dir
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return start
		}
		dir = parent
	}
}

// resolveRoot makes the --root flag absolute, or finds the root from near (a file or
// folder the command is about).
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
	if st, err := os.Stat(start); err != nil || !st.IsDir() {
		start = filepath.Dir(start)
	}
	return findRoot(start, f.rulesDir), nil
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
	opt := index.Options{
		Root: root, RulesDir: f.rulesDir, UserRulesDir: userRulesDir(), Cause: "cli", Logger: cliLogger(stderr),
	}
	if f.noCache {
		opt.DBPath = ":memory:"
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
