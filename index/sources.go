package index

import (
	"path"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/airules/airules/rules"
)

// skipDirs are directories the workspace walk never enters: VCS data, dependencies and
// build output. Inside a rule root they are ordinary folders (a rules category may well
// be called "build").
var skipDirs = map[string]bool{
	".git": true, "node_modules": true, "_build": true, "deps": true, "vendor": true,
	".elixir_ls": true, "dist": true, "build": true, "target": true,
}

// Where foreign formats live, relative to the workspace root.
const (
	cursorDir          = ".cursor/rules"
	copilotDir         = ".github/instructions"
	copilotGlobal      = ".github/copilot-instructions.md"
	copilotSuffix      = ".instructions.md"
	depsDir            = "deps"
	depsRuleName       = "usage-rules.md"
	agentsName         = "AGENTS.md"
	claudeName         = "CLAUDE.md"
	defaultRulesDir    = ".ai-rules"
	copilotGlobalID    = "copilot/copilot-instructions"
	copilotGlobalTitle = "copilot instructions"
)

// layout knows where rule sources are for one workspace: it turns an absolute path into
// the rules.Source it would be read as, without touching the disk.
type layout struct {
	root     string // absolute, clean
	rulesRel string // native rules root relative to root, slash-separated
	userDir  string // absolute, clean, or ""
	// ignore is the root .gitignore, replaced on a full rescan while IsRuleFile may be
	// reading it from another goroutine.
	ignore atomic.Pointer[gitignore]
}

func newLayout(root, rulesDir, userDir string, ig *gitignore) *layout {
	if rulesDir == "" {
		rulesDir = defaultRulesDir
	}
	l := &layout{root: filepath.Clean(root), rulesRel: path.Clean(filepath.ToSlash(rulesDir))}
	l.ignore.Store(ig)
	if userDir != "" {
		l.userDir = filepath.Clean(userDir)
	}
	return l
}

// rel returns the workspace-relative slash path of abs, or false when abs is outside.
func (l *layout) rel(abs string) (string, bool) {
	if abs == l.root {
		return "", true
	}
	if !strings.HasPrefix(abs, l.root) || len(abs) <= len(l.root) || abs[len(l.root)] != filepath.Separator {
		return "", false
	}
	return filepath.ToSlash(abs[len(l.root)+1:]), true
}

// ruleRoots are the workspace-relative directories whose whole subtree holds rules.
func (l *layout) ruleRoots() []string { return []string{l.rulesRel, cursorDir, copilotDir} }

// inRuleRoot reports whether rel is a rule root or lies below one.
func (l *layout) inRuleRoot(rel string) bool {
	for _, r := range l.ruleRoots() {
		if under(rel, r) {
			return true
		}
	}
	return false
}

// under reports whether slash path p is dir or below it.
func under(p, dir string) bool {
	return p == dir || (strings.HasPrefix(p, dir) && len(p) > len(dir) && p[len(dir)] == '/')
}

// skipped reports whether the workspace walk leaves out the directory or file at rel:
// a skipped name or a .gitignore match on rel or any of its parents, unless it lies in
// a rule root.
func (l *layout) skipped(rel string, isDir bool) bool {
	if rel == "" || l.inRuleRoot(rel) {
		return false
	}
	ig := l.ignore.Load()
	parts := strings.Split(rel, "/")
	for i, p := range parts {
		last := i == len(parts)-1
		if (!last || isDir) && skipDirs[p] {
			return true
		}
		if ig != nil && ig.ignored(strings.Join(parts[:i+1], "/"), !last || isDir) {
			return true
		}
	}
	return false
}

// classify returns the source abs is read as, or false when it is no rule file.
func (l *layout) classify(abs string) (rules.Source, bool) {
	abs = filepath.Clean(abs)
	if rel, ok := l.rel(abs); ok && rel != "" {
		if src, ok := l.classifyRel(abs, rel); ok {
			return src, true
		}
	}
	if l.userDir != "" && strings.HasPrefix(abs, l.userDir+string(filepath.Separator)) {
		rel := filepath.ToSlash(abs[len(l.userDir)+1:])
		if strings.HasSuffix(rel, ".md") && !hiddenPart(rel) {
			return rules.Source{Path: abs, ID: strings.TrimSuffix(rel, ".md"), Layer: rules.LayerUser, Format: rules.FormatAirules}, true
		}
	}
	return rules.Source{}, false
}

func (l *layout) classifyRel(abs, rel string) (rules.Source, bool) {
	switch {
	case strings.HasPrefix(rel, l.rulesRel+"/"):
		sub := rel[len(l.rulesRel)+1:]
		if strings.HasSuffix(sub, ".md") && !hiddenPart(sub) {
			return rules.Source{Path: abs, ID: strings.TrimSuffix(sub, ".md"), Layer: rules.LayerProject, Format: rules.FormatAirules}, true
		}
		return rules.Source{}, false
	case strings.HasPrefix(rel, cursorDir+"/"):
		sub := rel[len(cursorDir)+1:]
		if strings.HasSuffix(sub, ".mdc") && !hiddenPart(sub) {
			return rules.Source{Path: abs, ID: "cursor/" + strings.TrimSuffix(sub, ".mdc"), Layer: rules.LayerProject, Format: rules.FormatCursor}, true
		}
		return rules.Source{}, false
	case strings.HasPrefix(rel, copilotDir+"/"):
		sub := rel[len(copilotDir)+1:]
		if strings.HasSuffix(sub, copilotSuffix) && len(path.Base(sub)) > len(copilotSuffix) && !hiddenPart(sub) {
			return rules.Source{Path: abs, ID: "copilot/" + strings.TrimSuffix(sub, copilotSuffix), Layer: rules.LayerProject, Format: rules.FormatCopilot}, true
		}
		return rules.Source{}, false
	case rel == copilotGlobal:
		return rules.Source{Path: abs, ID: copilotGlobalID, Layer: rules.LayerProject, Format: rules.FormatCopilot}, true
	}
	if parts := strings.Split(rel, "/"); len(parts) == 3 && parts[0] == depsDir && parts[2] == depsRuleName {
		return rules.Source{Path: abs, ID: depsDir + "/" + parts[1] + "/usage-rules", Layer: rules.LayerDependency, Format: rules.FormatAirules}, true
	}
	base := path.Base(rel)
	if base != agentsName && base != claudeName {
		return rules.Source{}, false
	}
	dir := path.Dir(rel)
	if dir == "." {
		dir = ""
	}
	if dir != "" && l.skipped(dir, true) {
		return rules.Source{}, false
	}
	format, prefix := rules.FormatAgents, "agents"
	if base == claudeName {
		format, prefix = rules.FormatClaude, "claude"
	}
	id := prefix
	if dir != "" {
		id += "/" + dir
	}
	return rules.Source{Path: abs, ID: id, Layer: rules.LayerProject, Format: format, Dir: dir}, true
}

// hiddenPart reports whether a path under a rule root has a dot-named part: editors'
// swap and backup files (.#x.md, .x.md.swp) are not rules.
func hiddenPart(sub string) bool {
	for _, p := range strings.Split(sub, "/") {
		if strings.HasPrefix(p, ".") {
			return true
		}
	}
	return false
}

// IsRuleFile reports whether an absolute path is, or would be if it existed, a rule
// source by its location and name.
func (ix *Index) IsRuleFile(path string) bool {
	_, ok := ix.lay.classify(path)
	return ok
}
