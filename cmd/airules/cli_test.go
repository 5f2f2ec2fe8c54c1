package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/airules/airules/rules"
)

func TestFlagsAfterArguments(t *testing.T) {
	file := filepath.Join(example, "lib/app_web/live/page_live.ex")
	code, before, errs := runCLI(t, "context", "--root", example, "--explain", file)
	if code != 0 {
		t.Fatalf("flags first: exit %d: %s", code, errs)
	}
	code, after, errs := runCLI(t, "context", file, "--explain", "--root", example)
	if code != 0 || after != before {
		t.Errorf("flags after FILE: exit %d, %s\n--- got\n%s--- want\n%s", code, errs, after, before)
	}
	if !strings.Contains(after, "+ 20-frameworks/phoenix/liveview") {
		t.Errorf("--explain after FILE was not applied:\n%s", after)
	}
	// -- ends the flags: a FILE may start with a dash.
	t.Chdir(example)
	code, _, errs = runCLI(t, "context", "--root", ".", "--", "-odd.ex")
	if code != 0 {
		t.Errorf("-- FILE: exit %d: %s", code, errs)
	}
}

// TestSingleDashLongFlags keeps the spelling Go's flag package took (`-root DIR`).
func TestSingleDashLongFlags(t *testing.T) {
	file := filepath.Join(example, "lib/app_web/live/page_live.ex")
	_, want, _ := runCLI(t, "context", "--root", example, "--explain", file)
	code, got, errs := runCLI(t, "context", "-root", example, "-explain", file)
	if code != 0 || got != want {
		t.Errorf("-root -explain: exit %d, %s\n%s", code, errs, got)
	}
	code, got, _ = runCLI(t, "context", "-root="+example, file, "-explain")
	if code != 0 || got != want {
		t.Errorf("-root=DIR: exit %d\n%s", code, got)
	}
	if code, out, _ := runCLI(t, "lint", "-help"); code != 0 || !strings.HasPrefix(out, "Usage: airules lint") {
		t.Errorf("lint -help: exit %d\n%s", code, out)
	}
	// Not a flag of the command: left alone, and refused.
	if code, _, errs := runCLI(t, "lint", "-bogus"); code != 2 || !strings.Contains(errs, "unknown shorthand flag") {
		t.Errorf("lint -bogus: exit %d, %q", code, errs)
	}
	// After --, an argument that looks like a flag is an argument.
	if got := longFlags(newRootCmd(&app{}), []string{"context", "--", "-root"}); strings.Join(got, " ") != "context -- -root" {
		t.Errorf("after --: %q", got)
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string // on stderr
	}{
		{[]string{"serve", "--frobnicate"}, "unknown flag: --frobnicate"},
		{[]string{"serve", "extra"}, "unexpected arguments"},
		{[]string{"lint", "--format"}, "flag needs an argument"},
		{[]string{"context"}, "want exactly one FILE, got 0"},
		{[]string{"context", "a", "b"}, "want exactly one FILE, got 2"},
		{[]string{"context", "--max-tokens", "many", "a.go"}, `invalid argument "many"`},
		{[]string{"history", "a", "b"}, "one RULE-ID at most"},
		{[]string{"rules", "extra"}, "takes no arguments"},
		{[]string{"completion", "tcsh"}, `invalid argument "tcsh"`},
		{[]string{"schema", "--format", "agents"}, `unknown format "agents"`},
		{[]string{"frobnicate"}, "unknown command"},
		{nil, "Usage: airules <command>"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, errs := runCLI(t, tt.args...)
			if code != 2 || !strings.Contains(errs, tt.want) || out != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and %q on stderr", code, out, errs, tt.want)
			}
		})
	}
}

func TestEveryCommandHasHelpWithExample(t *testing.T) {
	for _, c := range newRootCmd(&app{}).Commands() {
		if c.Hidden { // internal (count-worker): started by airules itself
			continue
		}
		for _, help := range []string{"--help", "-h"} {
			code, out, _ := runCLI(t, c.Name(), help)
			if code != 0 || !strings.HasPrefix(out, "Usage: airules "+c.Name()) || !strings.Contains(out, "\nExamples:\n  airules ") {
				t.Errorf("%s %s: exit %d\n%s", c.Name(), help, code, out)
			}
		}
	}
	code, out, _ := runCLI(t, "help", "lint")
	if code != 0 || !strings.HasPrefix(out, "Usage: airules lint") {
		t.Errorf("help lint: exit %d\n%s", code, out)
	}
}

func TestCompletion(t *testing.T) {
	marks := map[string]string{
		"bash":       "__start_airules",
		"zsh":        "#compdef airules",
		"fish":       "complete -c airules",
		"powershell": "Register-ArgumentCompleter",
	}
	for shell, mark := range marks {
		code, out, errs := runCLI(t, "completion", shell)
		if code != 0 || !strings.Contains(out, mark) {
			t.Errorf("completion %s: exit %d, %s; no %q in %d bytes", shell, code, errs, mark, len(out))
		}
	}
	// The scripts call back into the binary: what it answers for a flag's value.
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", "lint", "--format", ""}, []string{"text", "json", "sarif"}},
		{[]string{"__complete", "schema", "--format", ""}, []string{"airules", "cursor", "copilot"}},
		{[]string{"__complete", "serve", "--log-level", "d"}, []string{"debug"}},
		{[]string{"__complete", "context", "--language", "elix"}, []string{"elixir"}},
		{[]string{"__complete", "comp"}, []string{"completion"}},
	}
	for _, tt := range tests {
		code, out, _ := runCLI(t, tt.args...)
		var got []string
		for _, l := range strings.Split(out, "\n") {
			if l != "" && !strings.HasPrefix(l, ":") {
				name, _, _ := strings.Cut(l, "\t")
				got = append(got, name)
			}
		}
		for _, w := range tt.want {
			if !strings.Contains(strings.Join(got, " "), w) {
				t.Errorf("%v: exit %d, candidates %v lack %q", tt.args, code, got, w)
			}
		}
	}
}

func TestSchemaCommand(t *testing.T) {
	for _, f := range rules.FormatSpecs {
		code, out, errs := runCLI(t, "schema", "--format", string(f.Format))
		want, err := rules.Schema(f.Format)
		if err != nil || code != 0 || out != string(want) {
			t.Errorf("schema --format %s: exit %d, %v %s", f.Format, code, err, errs)
		}
	}
	code, out, _ := runCLI(t, "schema")
	var doc struct {
		Schema     string                     `json:"$schema"`
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 || doc.Schema != rules.SchemaDraft {
		t.Fatalf("schema: exit %d, %v", code, err)
	}
	if _, ok := doc.Properties["globs"]; !ok {
		t.Errorf("the native schema lacks globs")
	}
	if _, ok := doc.Properties["applyTo"]; ok {
		t.Errorf("the native schema has Copilot's applyTo")
	}
}

// writeFiles makes the named files (and their folders) under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if strings.HasSuffix(name, "/") {
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFindRoot(t *testing.T) {
	tests := []struct {
		name  string
		files []string // under the home folder
		start string
		want  string // "" for an error
	}{
		{"native rules above", []string{"ws/.ai-rules/"}, "ws/a/b", "ws"},
		{"repository root over a nested AGENTS.md and package.json", []string{"ws/.git/", "ws/pkg/AGENTS.md", "ws/pkg/package.json"}, "ws/pkg/src", "ws"},
		{"nearest rules root wins", []string{"ws/.git/", "ws/app/.cursor/rules/"}, "ws/app/lib", "ws/app"},
		{"a manifest without anything above", []string{"ws/pkg/go.mod"}, "ws/pkg/internal", "ws/pkg"},
		{"a folder-scoped file", []string{"ws/CLAUDE.md"}, "ws/x", "ws"},
		{"copilot instructions", []string{"ws/.github/copilot-instructions.md"}, "ws/src", "ws"},
		{"kiro steering", []string{"ws/.kiro/steering/"}, "ws/src", "ws"},
		{"a .github folder alone marks nothing", []string{"ws/.github/workflows/"}, "ws/src", "ws/src"},
		{"nothing: the folder itself", nil, "ws/src", "ws/src"},
		{"the home folder's own .claude and AGENTS.md are not a workspace", []string{".claude/", "AGENTS.md"}, "ws/src", "ws/src"},
		{"the home folder itself", []string{".git/"}, ".", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			t.Setenv("HOME", home)
			files := map[string]string{tt.start + "/": ""}
			for _, f := range tt.files {
				files[f] = "x"
			}
			writeFiles(t, home, files)
			got, err := findRoot(filepath.Join(home, tt.start), ".ai-rules")
			switch {
			case tt.want == "" && err == nil:
				t.Errorf("root %s, want an error", got)
			case tt.want != "" && err != nil:
				t.Errorf("error %v, want %s", err, tt.want)
			case tt.want != "" && got != filepath.Join(home, tt.want):
				t.Errorf("root %s, want %s", got, filepath.Join(home, tt.want))
			}
		})
	}
	if _, err := findRoot("/", ".ai-rules"); err == nil {
		t.Errorf("/ is a root")
	}
}

func TestMissingPathFailsAtOnce(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nonexistent")
	code, out, errs := runCLI(t, "lint", missing)
	if code != 2 || out != "" || !strings.Contains(errs, missing) || !strings.Contains(errs, "no such file") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errs)
	}
	// Nothing was indexed: the only output is the error and the hint.
	if n := strings.Count(errs, "\n"); n != 2 {
		t.Errorf("stderr has %d lines, want the error and the hint:\n%s", n, errs)
	}
	// From / there is no workspace to find.
	code, _, errs = runCLI(t, "lint", "/")
	if code != 2 || !strings.Contains(errs, "is not a workspace") {
		t.Errorf("lint /: exit %d, %q", code, errs)
	}
	// A context FILE need not exist, and its folders need not either.
	code, _, errs = runCLI(t, "context", filepath.Join(example, "lib/not/yet/there.ex"))
	if code != 0 {
		t.Errorf("context of a new file: exit %d, %s", code, errs)
	}
}

func TestHistoryWorkspaceFlags(t *testing.T) {
	ws := t.TempDir()
	writeFiles(t, ws, map[string]string{
		"rules/a.md":     "---\ndescription: a\nalwaysApply: true\n---\nA.\n",
		".ai-rules/b.md": "---\ndescription: b\nalwaysApply: true\n---\nB.\n",
	})
	code, out, errs := runCLI(t, "history", "--root", ws, "--rules-dir", "rules", "--no-cache", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var events []struct {
		Type   string `json:"type"`
		RuleID string `json:"rule_id"`
	}
	if err := json.Unmarshal([]byte(out), &events); err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || events[0].Type != "created" || events[0].RuleID != "a" {
		t.Errorf("events %+v, want the one rule under --rules-dir created", events)
	}
	// --no-cache kept nothing; a cached run keeps its events for the next one.
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	historyOf := func(args ...string) string {
		var out, errb bytes.Buffer
		if code := run(append([]string{"history", "--root", ws, "--rules-dir", "rules"}, args...), nil, &out, &errb); code != 0 {
			t.Fatalf("history %v: exit %d: %s", args, code, errb.String())
		}
		return out.String()
	}
	historyOf("--no-cache")
	if entries, _ := os.ReadDir(cache); len(entries) != 0 {
		t.Errorf("--no-cache wrote %d entries to the cache", len(entries))
	}
	first := historyOf()
	if second := historyOf(); second != first || !strings.Contains(first, "created") {
		t.Errorf("cached runs differ or log nothing:\n%s---\n%s", first, second)
	}
}

func TestInitThenLintIsClean(t *testing.T) {
	ws := t.TempDir()
	if code, _, errs := runCLI(t, "init", "--root", ws); code != 0 {
		t.Fatalf("init: exit %d: %s", code, errs)
	}
	code, out, errs := runCLI(t, "lint", "--root", ws)
	if code != 0 || out != "" || errs != "2 rule files, no problems\n" {
		t.Errorf("lint after init: exit %d\nstdout %q\nstderr %q", code, out, errs)
	}
	// The language example is offered by its description until it names its files.
	code, out, _ = runCLI(t, "context", "--root", ws, "--json", filepath.Join(ws, "main.go"))
	if code != 0 || !strings.Contains(out, `"id": "10-languages/example/style"`) || !strings.Contains(out, `"id": "00-global/general"`) {
		t.Errorf("context after init: exit %d\n%s", code, out)
	}
}

func TestCountsSayOneRule(t *testing.T) {
	if count(1, "rule") != "1 rule" || count(0, "rule") != "0 rules" || count(2, "rule file") != "2 rule files" {
		t.Errorf("count: %q %q %q", count(1, "rule"), count(0, "rule"), count(2, "rule file"))
	}
	ws := t.TempDir()
	writeFiles(t, ws, map[string]string{".ai-rules/a.md": "---\ndescription: a\nalwaysApply: true\n---\nA.\n"})
	_, out, _ := runCLI(t, "context", "--root", ws, "--explain", filepath.Join(ws, "x.go"))
	if !regexp.MustCompile(`\n1 rule, \d+ tokens of ` + strconv.Itoa(rules.DefaultMaxTokens) + `\n`).MatchString(out) {
		t.Errorf("context --explain with one rule:\n%s", out)
	}
	_, _, errs := runCLI(t, "lint", "--root", ws)
	if errs != "1 rule file, no problems\n" {
		t.Errorf("lint of one rule file: %q", errs)
	}
}

func TestNoProgressOffTerminal(t *testing.T) {
	// A pipe is no terminal: nothing but the summary on stderr.
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if isTerminal(w) || isTerminal(&bytes.Buffer{}) {
		t.Errorf("a pipe or a buffer taken for a terminal")
	}
	w.Close()
}
