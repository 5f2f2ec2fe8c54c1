package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/airules/airules/rules"
)

// ruleLocations lists where airules reads rule files, one per line, for a user who
// pointed lint at a path that holds none.
func ruleLocations(rulesDir string) string {
	var b strings.Builder
	b.WriteString("airules reads rule files from these locations (workspace-relative):\n")
	for _, l := range rules.Locations(rulesDir) {
		fmt.Fprintf(&b, "  %-44s %s (%s)\n", l.Glob, l.Doc, l.Format)
	}
	return b.String()
}

// isRuleLocation reports whether a folder, relative to the workspace root, is or lies
// in a place rule files are read from, even when it holds none yet.
func isRuleLocation(root, abs, rulesDir string) bool {
	rel, err := filepath.Rel(root, abs)
	if err != nil || strings.HasPrefix(rel, "..") {
		return false
	}
	rel = filepath.ToSlash(rel)
	for p := rel; p != "." && p != "/" && p != ""; p = filepath.ToSlash(filepath.Dir(p)) {
		if rules.IsRuleDir(p, rulesDir) {
			return true
		}
	}
	return false
}
