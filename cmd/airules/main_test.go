package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/airules/airules/rules"
	"github.com/airules/airules/server/wire"
)

const example = "../../testdata/example"

// runCLI runs the binary's entry point in-process with a throwaway cache.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestContextOnExample(t *testing.T) {
	file := filepath.Join(example, "lib/app_web/live/page_live.ex")
	code, out, errs := runCLI(t, "context", "--root", example, "--json", file)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var res wire.ContextResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res.Rules {
		got = append(got, r.ID)
	}
	// security (50) > otp-patterns (20) > code-style (10) > liveview (8): all project layer.
	want := []string{"00-global/security", "10-languages/elixir/otp-patterns", "00-global/code-style", "20-frameworks/phoenix/liveview"}
	if !slices.Equal(got, want) {
		t.Errorf("rules %v, want %v", got, want)
	}
	if res.LanguageID != "elixir" || res.Tokens == 0 || res.Tokens > res.MaxTokens || rules.CountTokens(res.Prompt) != res.Tokens {
		t.Errorf("language %q tokens %d (prompt %d) max %d", res.LanguageID, res.Tokens, rules.CountTokens(res.Prompt), res.MaxTokens)
	}
	if len(res.Available) != 1 || res.Available[0].ID != "30-contexts/deployment" {
		t.Errorf("available %+v", res.Available)
	}
	if !strings.HasPrefix(res.URI, "file:///") || !strings.HasSuffix(res.URI, "lib/app_web/live/page_live.ex") {
		t.Errorf("uri %q", res.URI)
	}

	// The text form is the same prompt.
	code, text, _ := runCLI(t, "context", "--root", example, file)
	if code != 0 || text != res.Prompt {
		t.Errorf("text prompt differs from the JSON prompt (exit %d)", code)
	}

	// A small budget drops whole rules and says so.
	_, out, _ = runCLI(t, "context", "--root", example, "--json", "--max-tokens", "120", file)
	var small wire.ContextResult
	if err := json.Unmarshal([]byte(out), &small); err != nil {
		t.Fatal(err)
	}
	if small.Tokens > 120 || len(small.Rules) >= len(res.Rules) || len(small.Omitted) == 0 || small.Omitted[0].Reason != "budget" {
		t.Errorf("budget 120: %d tokens, %d rules, omitted %+v", small.Tokens, len(small.Rules), small.Omitted)
	}
}

func TestContextExplainAndOmissions(t *testing.T) {
	file := filepath.Join(example, "lib/app_web/controllers/api/user_controller.ex")
	code, out, errs := runCLI(t, "context", "--root", example, "--explain", file)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{
		"+ 20-frameworks/phoenix/controllers (project, priority 8): glob lib/*_web/controllers/**/*.ex",
		"- 30-contexts/legacy-api (project, priority 30): would apply, but disabled",
		"- 20-frameworks/phoenix/liveview (project, priority 8): no glob matches (lib/**/live/**/*.ex)",
		"- 30-contexts/deployment (project, priority 50): agent-requested",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("explain lacks %q:\n%s", want, out)
		}
	}
	// The fallback controller is excluded by a negated glob.
	_, out, _ = runCLI(t, "context", "--root", example, "--explain", filepath.Join(example, "lib/app_web/controllers/fallback_controller.ex"))
	if !strings.Contains(out, "- 20-frameworks/phoenix/controllers (project, priority 8): excluded by !**/fallback_controller.ex") {
		t.Errorf("negation not explained:\n%s", out)
	}
}

func TestContextRefusesOutside(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "x.go")
	code, _, errs := runCLI(t, "context", "--root", example, outside)
	if code != 1 || !strings.Contains(errs, "outside the workspace") {
		t.Errorf("exit %d, stderr %q", code, errs)
	}
}

// lintWorkspace copies the golden diagnostics inputs into a workspace's rules tree.
func lintWorkspace(t *testing.T) string {
	ws := t.TempDir()
	dst := filepath.Join(ws, ".ai-rules")
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	inputs, _ := filepath.Glob("../../testdata/diagnostics/*.md")
	for _, in := range inputs {
		data, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, filepath.Base(in)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return ws
}

func TestLintFormats(t *testing.T) {
	ws := lintWorkspace(t)
	code, text, _ := runCLI(t, "lint", "--root", ws)
	if code != 1 {
		t.Errorf("exit %d with errors present, want 1", code)
	}
	// Every input named after a code reports it, at the line the golden file says.
	goldens, _ := filepath.Glob("../../testdata/diagnostics/AIR*.golden")
	for _, g := range goldens {
		want, _ := os.ReadFile(g)
		first, _, _ := strings.Cut(string(want), "\n")
		pos, rest, _ := strings.Cut(first, " ")
		start, _, _ := strings.Cut(pos, "-")
		name := strings.TrimSuffix(filepath.Base(g), ".golden") + ".md"
		line := name + ":" + start + ": " + strings.SplitN(rest, " ", 2)[0]
		if !strings.Contains(text, line) {
			t.Errorf("lint output lacks %q", line)
		}
	}

	code, js, _ := runCLI(t, "lint", "--root", ws, "--format", "json")
	var fs []wire.Problem
	if err := json.Unmarshal([]byte(js), &fs); err != nil || code != 1 {
		t.Fatalf("json: %v (exit %d)", err, code)
	}
	if len(fs) != strings.Count(text, "\n") {
		t.Errorf("json has %d findings, text %d lines", len(fs), strings.Count(text, "\n"))
	}

	_, sj, _ := runCLI(t, "lint", "--root", ws, "--format", "sarif")
	var sarif struct {
		Version string `json:"version"`
		Runs    []struct {
			Results []struct {
				RuleID string `json:"ruleId"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(sj), &sarif); err != nil || sarif.Version != "2.1.0" || len(sarif.Runs[0].Results) != len(fs) {
		t.Errorf("sarif: %v, version %q", err, sarif.Version)
	}

	// Only warnings: exit 0. One file by path.
	code, out, _ := runCLI(t, "lint", "--root", ws, filepath.Join(ws, ".ai-rules", "AIR012-no-description.md"))
	if code != 0 || !strings.Contains(out, "AIR012") || strings.Contains(out, "AIR004") {
		t.Errorf("single warning file: exit %d\n%s", code, out)
	}
	if code, _, _ := runCLI(t, "lint", "--format", "xml"); code != 2 {
		t.Errorf("bad format: exit %d, want 2", code)
	}
}

func TestInitNeverOverwrites(t *testing.T) {
	ws := t.TempDir()
	if code, _, errs := runCLI(t, "init", "--root", ws); code != 0 {
		t.Fatalf("init: %d %s", code, errs)
	}
	general := filepath.Join(ws, ".ai-rules", "00-global", "general.md")
	if err := os.WriteFile(general, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := runCLI(t, "init", "--root", ws); code != 1 || !strings.Contains(errs, "exists") {
		t.Errorf("second init: exit %d, %q", code, errs)
	}
	if data, _ := os.ReadFile(general); string(data) != "mine" {
		t.Errorf("init overwrote a file")
	}
	// The scaffold lints clean.
	os.WriteFile(filepath.Join(ws, "lib.ex"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(ws, "mix.exs"), []byte("x"), 0o644)
	os.Remove(general)
	if code, out, _ := runCLI(t, "lint", "--root", ws); code != 0 || out != "" {
		t.Errorf("scaffold lint: exit %d\n%s", code, out)
	}
}

func TestHelpAndUsage(t *testing.T) {
	for _, c := range newRootCmd(&app{}).Commands() {
		name := c.Name()
		code, out, _ := runCLI(t, name, "--help")
		if code != 0 || !strings.Contains(out, "Usage: airules "+name) {
			t.Errorf("%s --help: exit %d\n%s", name, code, out)
		}
	}
	if code, _, errs := runCLI(t, "frobnicate"); code != 2 || !strings.Contains(errs, "unknown command") {
		t.Errorf("unknown command: exit %d %q", code, errs)
	}
	if code, out, _ := runCLI(t, "version"); code != 0 || !strings.HasPrefix(out, "airules ") {
		t.Errorf("version: %d %q", code, out)
	}
}

func TestRulesStatsWarmStart(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	parses := func() int {
		var out, errb bytes.Buffer
		if code := run([]string{"rules", "--root", example, "--stats", "--json"}, nil, &out, &errb); code != 0 {
			t.Fatalf("exit %d: %s", code, errb.String())
		}
		var m struct {
			Parses int `json:"parses"`
			Rules  int `json:"rules"`
		}
		if err := json.Unmarshal(out.Bytes(), &m); err != nil || m.Rules == 0 {
			t.Fatalf("%v: %s", err, out.String())
		}
		return m.Parses
	}
	if n := parses(); n == 0 {
		t.Errorf("cold run parsed nothing")
	}
	if n := parses(); n != 0 {
		t.Errorf("warm run parsed %d files, want 0", n)
	}
	var out bytes.Buffer
	if code := run([]string{"rules", "--root", example}, nil, &out, &out); code != 0 || !strings.Contains(out.String(), "20-frameworks/phoenix/liveview") {
		t.Errorf("rules listing: %d\n%s", code, out.String())
	}
}
