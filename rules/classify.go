package rules

import (
	"path"
	"strings"
)

// DefaultRulesDir is the native rules root, relative to the workspace.
const DefaultRulesDir = ".ai-rules"

// Class is what a workspace path is as a rule source: its format, id, scope folder and
// layer. It is decided by the path alone, without touching the disk.
type Class struct {
	Format Format
	ID     string
	Layer  Layer
	// Dir is the workspace-relative folder the file belongs to: the folder an AGENTS.md,
	// CLAUDE.md or GEMINI.md scopes, or the folder holding a nested .cursor/rules or
	// .windsurf/rules. Empty is the workspace root.
	Dir string
	// Package is a dependency rule's package (the Hex or npm name) and Sub its sub-rule
	// name ("" for the main usage-rules.md).
	Package, Sub string
}

// Source returns the Source of a file at abs with this class.
func (c Class) Source(abs string) Source {
	return Source{Path: abs, ID: c.ID, Layer: c.Layer, Format: c.Format, Dir: c.Dir, Package: c.Package, Sub: c.Sub}
}

// File names and folders of the formats, workspace-relative.
const (
	cursorRulesDir   = ".cursor/rules"
	cursorLegacyName = ".cursorrules"
	copilotRepoFile  = ".github/copilot-instructions.md"
	copilotDir       = ".github/instructions"
	copilotSuffix    = ".instructions.md"
	agentsName       = "AGENTS.md"
	agentsOverride   = "AGENTS.override.md"
	claudeName       = "CLAUDE.md"
	claudeLocalName  = "CLAUDE.local.md"
	claudeDotFile    = ".claude/CLAUDE.md"
	claudeRulesDir   = ".claude/rules"
	windsurfDir      = ".windsurf/rules"
	windsurfLegacy   = ".windsurfrules"
	clineName        = ".clinerules"
	continueDir      = ".continue/rules"
	continueLegacy   = ".continuerules"
	kiroDir          = ".kiro/steering"
	geminiName       = "GEMINI.md"
	hexDepsDir       = "deps"
	npmDepsDir       = "node_modules"
	usageRulesName   = "usage-rules.md"
	usageRulesSubDir = "usage-rules"
)

// Classify says which rule source the workspace-relative slash path rel is, with
// rulesDir the native rules root ("" for DefaultRulesDir). It knows nothing of
// .gitignore or of the manifests: a dependency path is classified by its shape, and the
// caller decides from the manifest whether the package is declared.
func Classify(rel, rulesDir string) (Class, bool) {
	rel = relPath(rel)
	if rel == "" || rel == "." || strings.HasPrefix(rel, "../") {
		return Class{}, false
	}
	native := cleanRulesDir(rulesDir)
	if sub, ok := strings.CutPrefix(rel, native+"/"); ok {
		if strings.HasSuffix(sub, ".md") && !hiddenPart(sub) {
			return Class{Format: FormatAirules, ID: strings.TrimSuffix(sub, ".md"), Layer: LayerProject}, true
		}
		return Class{}, false
	}
	switch rel {
	case cursorLegacyName:
		return Class{Format: FormatCursorLegacy, ID: "cursorrules", Layer: LayerProject}, true
	case copilotRepoFile:
		return Class{Format: FormatCopilotRepo, ID: "copilot/copilot-instructions", Layer: LayerProject}, true
	case windsurfLegacy:
		return Class{Format: FormatWindsurf, ID: "windsurfrules", Layer: LayerProject}, true
	case clineName:
		return Class{Format: FormatCline, ID: "clinerules", Layer: LayerProject}, true
	case continueLegacy:
		return Class{Format: FormatContinue, ID: "continuerules", Layer: LayerProject}, true
	}
	if sub, ok := strings.CutPrefix(rel, copilotDir+"/"); ok {
		if strings.HasSuffix(sub, copilotSuffix) && len(path.Base(sub)) > len(copilotSuffix) && !hiddenPart(sub) {
			return Class{Format: FormatCopilot, ID: "copilot/" + strings.TrimSuffix(sub, copilotSuffix), Layer: LayerProject}, true
		}
		return Class{}, false
	}
	if sub, ok := strings.CutPrefix(rel, claudeRulesDir+"/"); ok {
		if strings.HasSuffix(sub, ".md") && !hiddenPart(sub) {
			return Class{Format: FormatClaudeRules, ID: "claude-rules/" + strings.TrimSuffix(sub, ".md"), Layer: LayerProject}, true
		}
		return Class{}, false
	}
	if sub, ok := strings.CutPrefix(rel, clineName+"/"); ok {
		// Only the folder's top-level files are rules: workflows/ and hooks/ are not.
		ext := path.Ext(sub)
		if !strings.Contains(sub, "/") && (ext == ".md" || ext == ".txt") && !hiddenPart(sub) {
			return Class{Format: FormatCline, ID: "cline/" + strings.TrimSuffix(sub, ext), Layer: LayerProject}, true
		}
		return Class{}, false
	}
	if sub, ok := strings.CutPrefix(rel, continueDir+"/"); ok {
		if strings.HasSuffix(sub, ".md") && !hiddenPart(sub) {
			return Class{Format: FormatContinue, ID: "continue/" + strings.TrimSuffix(sub, ".md"), Layer: LayerProject}, true
		}
		return Class{}, false
	}
	if sub, ok := strings.CutPrefix(rel, kiroDir+"/"); ok {
		if strings.HasSuffix(sub, ".md") && !strings.Contains(sub, "/") && !hiddenPart(sub) {
			return Class{Format: FormatKiro, ID: "kiro/" + strings.TrimSuffix(sub, ".md"), Layer: LayerProject}, true
		}
		return Class{}, false
	}
	if c, ok := classifyDependency(rel); ok {
		return c, true
	}
	if dir, sub, ok := cutNestedRoot(rel, cursorRulesDir); ok {
		if strings.HasSuffix(sub, ".mdc") && !hiddenPart(sub) {
			return Class{Format: FormatCursor, ID: joinID("cursor", dir, strings.TrimSuffix(sub, ".mdc")), Layer: LayerProject, Dir: dir}, true
		}
		return Class{}, false
	}
	if dir, sub, ok := cutNestedRoot(rel, windsurfDir); ok {
		if strings.HasSuffix(sub, ".md") && !strings.Contains(sub, "/") && !hiddenPart(sub) {
			return Class{Format: FormatWindsurf, ID: joinID("windsurf", dir, strings.TrimSuffix(sub, ".md")), Layer: LayerProject, Dir: dir}, true
		}
		return Class{}, false
	}
	return classifyFolderFile(rel)
}

// classifyFolderFile handles the files that apply to the folder they are in.
func classifyFolderFile(rel string) (Class, bool) {
	dir, base := path.Split(rel)
	dir = strings.TrimSuffix(dir, "/")
	if hiddenPart(dir) && !strings.HasSuffix(rel, claudeDotFile) {
		return Class{}, false
	}
	switch base {
	case agentsName:
		return Class{Format: FormatAgents, ID: joinID("agents", dir, ""), Layer: LayerProject, Dir: dir}, true
	case agentsOverride:
		// It replaces the AGENTS.md of its folder, so it takes that file's id.
		return Class{Format: FormatAgents, ID: joinID("agents", dir, ""), Layer: LayerProject, Dir: dir}, true
	case claudeName:
		if d, ok := strings.CutSuffix(rel, claudeDotFile); ok {
			d = strings.TrimSuffix(d, "/")
			if hiddenPart(d) {
				return Class{}, false
			}
			return Class{Format: FormatClaude, ID: joinID("claude", d, ".claude"), Layer: LayerProject, Dir: d}, true
		}
		return Class{Format: FormatClaude, ID: joinID("claude", dir, ""), Layer: LayerProject, Dir: dir}, true
	case claudeLocalName:
		return Class{Format: FormatClaude, ID: joinID("claude", dir, "local"), Layer: LayerProject, Dir: dir}, true
	case geminiName:
		return Class{Format: FormatGemini, ID: joinID("gemini", dir, ""), Layer: LayerProject, Dir: dir}, true
	}
	return Class{}, false
}

// classifyDependency recognises deps/<pkg>/usage-rules.md, deps/<pkg>/usage-rules/<sub>.md
// and node_modules/[@scope/]<pkg>/usage-rules.md.
func classifyDependency(rel string) (Class, bool) {
	parts := strings.Split(rel, "/")
	switch {
	case parts[0] == hexDepsDir && len(parts) == 3 && parts[2] == usageRulesName && validPackage(parts[1]):
		return depClass(parts[1], ""), true
	case parts[0] == hexDepsDir && len(parts) == 4 && parts[2] == usageRulesSubDir && validPackage(parts[1]) &&
		strings.HasSuffix(parts[3], ".md") && !strings.HasPrefix(parts[3], "."):
		return depClass(parts[1], strings.TrimSuffix(parts[3], ".md")), true
	case parts[0] == npmDepsDir && len(parts) == 3 && parts[2] == usageRulesName && validPackage(parts[1]) && !strings.HasPrefix(parts[1], "@"):
		return depClass(parts[1], ""), true
	case parts[0] == npmDepsDir && len(parts) == 4 && parts[3] == usageRulesName && strings.HasPrefix(parts[1], "@") &&
		validPackage(parts[1][1:]) && validPackage(parts[2]):
		return depClass(parts[1]+"/"+parts[2], ""), true
	}
	return Class{}, false
}

func depClass(pkg, sub string) Class {
	id := "deps/" + pkg
	if sub != "" {
		id += "/" + sub
	}
	return Class{Format: FormatDependency, ID: id, Layer: LayerDependency, Package: pkg, Sub: sub}
}

// DependencyClass is the class of a dependency rule found outside the workspace (a Go
// module in the module cache): module is the module path.
func DependencyClass(module, sub string) Class { return depClass(module, sub) }

func validPackage(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.HasPrefix(s, ".")
}

// cutNestedRoot finds root ("x/y") as a run of path parts in rel, at the start or
// after a folder, and returns the folder before it and the path after it.
func cutNestedRoot(rel, root string) (dir, sub string, ok bool) {
	if s, ok := strings.CutPrefix(rel, root+"/"); ok {
		return "", s, true
	}
	i := strings.Index(rel, "/"+root+"/")
	if i < 0 {
		return "", "", false
	}
	dir = rel[:i]
	if hiddenPart(dir) {
		return "", "", false
	}
	return dir, rel[i+len(root)+2:], true
}

func joinID(prefix, dir, name string) string {
	id := prefix
	if dir != "" {
		id += "/" + dir
	}
	if name != "" {
		id += "/" + name
	}
	return id
}

func cleanRulesDir(d string) string {
	if d == "" {
		return DefaultRulesDir
	}
	return relPath(d)
}

// hiddenPart reports whether a slash path has a dot-named part: editors' swap and
// backup files (.#x.md, .x.md.swp) are not rules, and dot folders are not scanned for
// folder files.
func hiddenPart(sub string) bool {
	for _, p := range strings.Split(sub, "/") {
		if strings.HasPrefix(p, ".") {
			return true
		}
	}
	return false
}

// IsAgentsOverride reports whether a rule was read from an AGENTS.override.md.
func (r *Rule) IsAgentsOverride() bool {
	return r.Format == FormatAgents && path.Base(strings.ReplaceAll(r.Path, "\\", "/")) == agentsOverride
}

// RuleDirs are the folders, relative to a folder that may hold them, whose whole
// subtree is rule files of one format: a walk reads every file below them even where
// .gitignore would skip it. rulesDir is the native root.
func RuleDirs(rulesDir string) []string {
	return []string{cleanRulesDir(rulesDir), cursorRulesDir, copilotDir, claudeRulesDir, windsurfDir, clineName, continueDir, kiroDir}
}

// NestedRuleDirs are the rule folders that may also sit in any subfolder (a nested
// .cursor/rules belongs to its folder).
func NestedRuleDirs() []string { return []string{cursorRulesDir, windsurfDir} }

// IsRuleDir reports whether the workspace-relative folder rel is a rule folder: one of
// RuleDirs at the root, or one of NestedRuleDirs anywhere.
func IsRuleDir(rel, rulesDir string) bool {
	for _, d := range RuleDirs(rulesDir) {
		if rel == d {
			return true
		}
	}
	for _, d := range NestedRuleDirs() {
		if strings.HasSuffix(rel, "/"+d) && !hiddenPart(strings.TrimSuffix(rel, "/"+d)) {
			return true
		}
	}
	return false
}

// Location is one place a format's rule files are read from, for the watcher's
// registration and for telling a user where airules looks.
type Location struct {
	Format Format
	Glob   string // workspace-relative doublestar pattern
	Doc    string
}

// Locations lists where rule files are read from, with rulesDir the native root.
func Locations(rulesDir string) []Location {
	native := cleanRulesDir(rulesDir)
	return []Location{
		{FormatAirules, native + "/**/*.md", "native airules rules"},
		{FormatCursor, "**/.cursor/rules/**/*.mdc", "Cursor rules, at the root or in any folder"},
		{FormatCursorLegacy, ".cursorrules", "Cursor's legacy single rules file"},
		{FormatCopilotRepo, ".github/copilot-instructions.md", "GitHub Copilot repository instructions"},
		{FormatCopilot, ".github/instructions/**/*.instructions.md", "GitHub Copilot path instructions"},
		{FormatAgents, "**/AGENTS.md", "AGENTS.md in any folder"},
		{FormatAgents, "**/AGENTS.override.md", "Codex's AGENTS.override.md"},
		{FormatClaude, "**/CLAUDE.md", "CLAUDE.md in any folder (and .claude/CLAUDE.md)"},
		{FormatClaude, "**/CLAUDE.local.md", "personal CLAUDE.local.md"},
		{FormatClaudeRules, ".claude/rules/**/*.md", "Claude Code rules"},
		{FormatWindsurf, "**/.windsurf/rules/*.md", "Windsurf rules"},
		{FormatWindsurf, ".windsurfrules", "Windsurf's legacy rules file"},
		{FormatCline, ".clinerules", "Cline's single rules file"},
		{FormatCline, ".clinerules/*.{md,txt}", "Cline rules folder (top-level files)"},
		{FormatContinue, ".continue/rules/**/*.md", "Continue rules"},
		{FormatContinue, ".continuerules", "Continue's legacy rules file"},
		{FormatKiro, ".kiro/steering/*.md", "Kiro steering files"},
		{FormatGemini, "**/GEMINI.md", "GEMINI.md in any folder"},
		{FormatDependency, "deps/*/usage-rules.md", "Hex packages' usage rules"},
		{FormatDependency, "deps/*/usage-rules/*.md", "Hex packages' usage sub-rules"},
		{FormatDependency, "node_modules/*/usage-rules.md", "npm packages' usage rules"},
		{FormatDependency, "node_modules/@*/*/usage-rules.md", "scoped npm packages' usage rules"},
		{FormatDependency, "{mix.exs,package.json,go.mod}", "manifests that declare the dependencies"},
	}
}

// WatchGlobs are the patterns of Locations, for a client's file watcher
// (workspace/didChangeWatchedFiles): each one also matches in a subfolder, as clients
// resolve them against the workspace folder.
func WatchGlobs(rulesDir string) []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range Locations(rulesDir) {
		g := l.Glob
		if !strings.HasPrefix(g, "**/") {
			g = "**/" + g
		}
		if !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	return out
}

// Manifests are the files whose change changes the set of dependency rules.
var Manifests = []string{"mix.exs", "package.json", "go.mod"}
