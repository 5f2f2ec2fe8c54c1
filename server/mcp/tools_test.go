package mcp

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/airules/airules/rules"
	"github.com/airules/airules/server/wire"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

func ids[T any](xs []T, id func(T) string) []string {
	out := []string{}
	for _, x := range xs {
		out = append(out, id(x))
	}
	return out
}

func contextIDs(res wire.ContextResult) []string {
	return ids(res.Rules, func(r wire.ContextRule) string { return r.ID })
}

func TestToolsAreListedWithSchemas(t *testing.T) {
	e := start(t, setup{})
	res, err := e.cs.ListTools(e.ctx(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tool := range res.Tools {
		names = append(names, tool.Name)
		if tool.InputSchema == nil || tool.OutputSchema == nil || len(tool.Description) < 80 {
			t.Errorf("%s: input schema %v, output schema %v, description %q", tool.Name, tool.InputSchema != nil, tool.OutputSchema != nil, tool.Description)
		}
		if tool.Annotations == nil || !tool.Annotations.ReadOnlyHint {
			t.Errorf("%s: not annotated read-only", tool.Name)
		}
	}
	slices.Sort(names)
	if want := []string{"get_rule", "lint_rules", "list_rules", "rules_for_file"}; !slices.Equal(names, want) {
		t.Errorf("tools %v, want %v", names, want)
	}
	if _, err := e.cs.CallTool(e.ctx(), &sdk.CallToolParams{Name: "write_rule", Arguments: map[string]any{}}); err == nil {
		t.Errorf("an unknown tool answered")
	}
}

func TestRulesForFile(t *testing.T) {
	e := start(t, setup{})
	live := []string{"00-global/security", "10-languages/elixir/otp-patterns", "00-global/code-style", "20-frameworks/phoenix/liveview"}
	tests := []struct {
		name      string
		args      map[string]any
		rel       string // what the answer is about
		lang      string
		maxTokens int
		want      []string
		omitted   []string
	}{
		{"relative", map[string]any{"path": "lib/app_web/live/page_live.ex"}, "lib/app_web/live/page_live.ex", "", 0, live, nil},
		{"absolute", map[string]any{"path": filepath.Join(e.root, "lib/app_web/live/page_live.ex")}, "lib/app_web/live/page_live.ex", "", 0, live, nil},
		{"file URI", map[string]any{"path": wire.FileURI(filepath.Join(e.root, "lib/app_web/live/page_live.ex"))}, "lib/app_web/live/page_live.ex", "", 0, live, nil},
		{"not yet created", map[string]any{"path": "lib/app_web/live/new_live.ex"}, "lib/app_web/live/new_live.ex", "", 0, live, nil},
		{"budget", map[string]any{"path": "lib/app_web/live/page_live.ex", "maxTokens": 120}, "lib/app_web/live/page_live.ex", "", 120,
			// otp-patterns does not fit; the smaller code-style after it does.
			[]string{"00-global/security", "00-global/code-style"}, []string{"10-languages/elixir/otp-patterns", "20-frameworks/phoenix/liveview"}},
		{"language given", map[string]any{"path": "README.md", "languageId": "elixir"}, "README.md", "elixir", 0,
			[]string{"00-global/security", "10-languages/elixir/otp-patterns", "00-global/code-style"}, nil},
		{"agent accepted", map[string]any{"path": "lib/app_web/live/page_live.ex", "agent": "coding-agent"}, "lib/app_web/live/page_live.ex", "", 0, live, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var res wire.ContextResult
			txt := e.callOK("rules_for_file", tt.args, &res)
			if got := contextIDs(res); !slices.Equal(got, tt.want) {
				t.Errorf("rules %v, want %v", got, tt.want)
			}
			omitted := ids(res.Omitted, func(o wire.OmittedRule) string { return o.ID })
			if !slices.Equal(omitted, orNil(tt.omitted)) {
				t.Errorf("omitted %v, want %v", omitted, tt.omitted)
			}
			for _, o := range res.Omitted {
				if o.Reason != "budget" || o.Description == "" || !strings.HasPrefix(o.URI, "file://") {
					t.Errorf("omitted %+v: want reason budget with description and uri", o)
				}
			}
			// The one computation, shaped by the one wire type.
			snap := e.srv.Index().Snapshot()
			want := wire.NewContextResult(snap.Context(tt.rel, tt.lang, nil, tt.maxTokens), wire.FileURI(filepath.Join(e.root, tt.rel)), snap.Generation, wire.Shape{})
			if res.Prompt != want.Prompt || res.URI != want.URI || res.Tokens != want.Tokens || res.LanguageID != want.LanguageID {
				t.Errorf("result differs from Snapshot.Context: uri %q/%q tokens %d/%d language %q/%q",
					res.URI, want.URI, res.Tokens, want.Tokens, res.LanguageID, want.LanguageID)
			}
			if res.Tokens > res.MaxTokens || rules.CountTokens(res.Prompt) != res.Tokens {
				t.Errorf("tokens %d (prompt %d), max %d", res.Tokens, rules.CountTokens(res.Prompt), res.MaxTokens)
			}
			// The text rendering carries the summary and the prompt itself.
			if !strings.Contains(txt, res.Prompt) || !strings.Contains(txt, "`"+tt.want[0]+"`") {
				t.Errorf("text lacks the prompt or the rule ids:\n%s", txt)
			}
		})
	}
}

func orNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func TestRulesForFileOffersAgentRequested(t *testing.T) {
	e := start(t, setup{})
	var res wire.ContextResult
	txt := e.callOK("rules_for_file", map[string]any{"path": "mix.exs"}, &res)
	if len(res.Available) != 1 || res.Available[0].ID != "30-contexts/deployment" || res.Available[0].Description == "" {
		t.Fatalf("available %+v", res.Available)
	}
	if !strings.Contains(txt, "30-contexts/deployment") {
		t.Errorf("text does not offer the rule:\n%s", txt)
	}
	// What was offered can be fetched.
	var r wire.Rule
	e.callOK("get_rule", map[string]any{"id": res.Available[0].ID}, &r)
	if !r.AgentRequested || !strings.Contains(r.Content, "mix release") {
		t.Errorf("get_rule of an offered rule: %+v", r)
	}
}

func TestRulesForFileRefusals(t *testing.T) {
	outside := t.TempDir()
	writeFile(t, filepath.Join(outside, "secret.ex"), "defmodule Secret do end\n")
	e := start(t, setup{prepare: func(root string) {
		must(t, os.Symlink(filepath.Join(outside, "secret.ex"), filepath.Join(root, "lib", "leak.ex")))
		must(t, os.Symlink(outside, filepath.Join(root, "lib", "elsewhere")))
		must(t, os.Symlink(filepath.Join(outside, "missing.ex"), filepath.Join(root, "lib", "dangling.ex")))
		must(t, os.Symlink(filepath.Join(root, "lib", "app"), filepath.Join(root, "lib", "inside")))
	}})
	tests := []struct {
		name string
		args map[string]any
		want string // in the error text
	}{
		{"absolute outside", map[string]any{"path": filepath.Join(outside, "secret.ex")}, "outside the workspace"},
		{"system file", map[string]any{"path": "/etc/passwd"}, "outside the workspace"},
		{"dot-dot", map[string]any{"path": "../secret.ex"}, "contains '..'"},
		{"dot-dot inside", map[string]any{"path": "lib/../mix.exs"}, "contains '..'"},
		{"file link out", map[string]any{"path": "lib/leak.ex"}, "through a symbolic link"},
		{"folder link out", map[string]any{"path": "lib/elsewhere/secret.ex"}, "through a symbolic link"},
		{"new file under a folder link out", map[string]any{"path": "lib/elsewhere/new.ex"}, "through a symbolic link"},
		{"dangling link", map[string]any{"path": "lib/dangling.ex"}, "does not exist"},
		{"empty", map[string]any{"path": ""}, "path is empty"},
		{"missing path", map[string]any{}, "path"},
		{"negative budget", map[string]any{"path": "mix.exs", "maxTokens": -3}, "maxTokens"},
		{"unknown argument", map[string]any{"path": "mix.exs", "file": "x"}, "file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := e.call("rules_for_file", tt.args)
			if !res.IsError || !strings.Contains(text(res), tt.want) {
				t.Errorf("error %v, text %q; want a tool error with %q", res.IsError, text(res), tt.want)
			}
			if strings.Contains(text(res), "defmodule Secret") {
				t.Errorf("leaked the outside file: %q", text(res))
			}
		})
	}
	// A link that stays inside the workspace is fine.
	var res wire.ContextResult
	e.callOK("rules_for_file", map[string]any{"path": "lib/inside/schemas/user.ex"}, &res)
	if len(res.Rules) == 0 {
		t.Errorf("no rules through an inside link")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestGetRule(t *testing.T) {
	user := t.TempDir()
	writeFile(t, filepath.Join(user, "00-global", "security.md"), "---\ndescription: My own security rule\nalwaysApply: true\n---\nNever paste keys into chats.\n")
	e := start(t, setup{userDir: user})
	tests := []struct {
		name    string
		args    map[string]any
		layer   string
		content string
	}{
		{"by id", map[string]any{"id": "20-frameworks/phoenix/liveview"}, "project", "handle_event/3"},
		{"by resource uri", map[string]any{"id": RuleURI("20-frameworks/phoenix/liveview")}, "project", "handle_event/3"},
		{"the higher layer wins", map[string]any{"id": "00-global/security"}, "user", "Never paste keys"},
		{"a lower layer on request", map[string]any{"id": "00-global/security", "layer": "project"}, "project", "parameterised queries"},
		{"foreign format", map[string]any{"id": "cursor/frontend"}, "project", "framework-free"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r wire.Rule
			txt := e.callOK("get_rule", tt.args, &r)
			if r.Layer != tt.layer || !strings.Contains(r.Content, tt.content) || !strings.Contains(txt, tt.content) {
				t.Errorf("layer %q content %q", r.Layer, r.Content)
			}
			if r.Tokens <= 0 || r.URI == "" || r.Scope == nil || r.Globs == nil {
				t.Errorf("metadata missing: %+v", r)
			}
		})
	}
	var shadowed wire.Rule
	e.callOK("get_rule", map[string]any{"id": "00-global/security", "layer": "project"}, &shadowed)
	if !shadowed.Shadowed {
		t.Errorf("the project rule under a user rule is not marked shadowed")
	}

	for _, bad := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"id": "nope/none"}, "no rule with id"},
		{map[string]any{"id": "20-frameworks/phoenix/liveview", "layer": "team"}, "in the team layer"},
		{map[string]any{"id": "20-frameworks/phoenix/liveview", "layer": "galaxy"}, "layer"},
		{map[string]any{"id": " "}, "id is empty"},
		{map[string]any{"id": "airules://other/x"}, "not an airules rule URI"},
		{map[string]any{}, "id"},
	} {
		res := e.call("get_rule", bad.args)
		if !res.IsError || !strings.Contains(text(res), bad.want) {
			t.Errorf("get_rule %v: error %v %q, want %q", bad.args, res.IsError, text(res), bad.want)
		}
	}
}

func TestListRules(t *testing.T) {
	e := start(t, setup{})
	all := []string{
		"00-global/code-style", "00-global/security", "10-languages/elixir/otp-patterns", "10-languages/elixir/testing",
		"10-languages/javascript/hooks", "20-frameworks/phoenix/controllers", "20-frameworks/phoenix/ecto",
		"20-frameworks/phoenix/liveview", "30-contexts/deployment", "30-contexts/legacy-api", "agents/assets", "cursor/frontend",
	}
	tests := []struct {
		name string
		args map[string]any
		want []string // sorted
	}{
		{"all", map[string]any{}, all},
		{"tag", map[string]any{"tag": "liveview"}, []string{"20-frameworks/phoenix/liveview"}},
		{"scope", map[string]any{"scope": "global"}, []string{"00-global/code-style", "00-global/security"}},
		{"language", map[string]any{"language": "elixir"}, []string{"10-languages/elixir/otp-patterns", "10-languages/elixir/testing"}},
		{"format", map[string]any{"format": "cursor"}, []string{"cursor/frontend"}},
		{"layer", map[string]any{"layer": "dependency"}, []string{}},
		{"two filters", map[string]any{"scope": "context", "tag": "ops"}, []string{"30-contexts/deployment"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var res wire.RulesResult
			txt := e.callOK("list_rules", tt.args, &res)
			got := ids(res.Rules, func(r wire.RuleInfo) string { return r.ID })
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("rules %v, want %v", got, tt.want)
			}
			for _, r := range res.Rules {
				if r.Layer == "" || r.Format == "" || r.Status == "" || !strings.Contains(txt, "`"+r.ID+"`") {
					t.Errorf("rule %+v incomplete or not in the text", r)
				}
			}
			if res.Generation == 0 {
				t.Errorf("generation 0")
			}
		})
	}
	res := e.call("list_rules", map[string]any{"scope": "everywhere"})
	if !res.IsError || !strings.Contains(text(res), "scope") {
		t.Errorf("an unknown scope: error %v %q", res.IsError, text(res))
	}
}

func TestLintRules(t *testing.T) {
	user := t.TempDir()
	writeFile(t, filepath.Join(user, "mine.md"), "---\ndescription: mine\npriority: high\n---\nbody\n")
	e := start(t, setup{userDir: user, prepare: func(root string) {
		writeFile(t, filepath.Join(root, ".ai-rules", "40-broken", "bad.md"), "---\ndescription: broken\npriority: 900\nglobs: [\"nothing/**/*.zig\"]\n---\nbody\n")
	}})
	var all lintOutput
	txt := e.callOK("lint_rules", map[string]any{}, &all)
	files := map[string]bool{}
	for _, p := range all.Problems {
		files[p.File] = true
		if p.Line < 1 || p.Column < 1 || p.Code == "" || p.Severity == "" {
			t.Errorf("problem %+v", p)
		}
	}
	if !files[".ai-rules/40-broken/bad.md"] || !files[filepath.Join(user, "mine.md")] || all.Errors == 0 || all.Files != 14 {
		t.Fatalf("lint of everything: files %v, %d errors, %d files", files, all.Errors, all.Files)
	}
	if !strings.Contains(txt, ".ai-rules/40-broken/bad.md:") {
		t.Errorf("text:\n%s", txt)
	}
	tests := []struct {
		name  string
		path  string
		files []string
	}{
		{"one file", ".ai-rules/40-broken/bad.md", []string{".ai-rules/40-broken/bad.md"}},
		{"a folder", ".ai-rules/40-broken", []string{".ai-rules/40-broken/bad.md"}},
		{"a clean folder", ".ai-rules/00-global", nil},
		{"a user rule", filepath.Join(user, "mine.md"), []string{filepath.Join(user, "mine.md")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out lintOutput
			e.callOK("lint_rules", map[string]any{"path": tt.path}, &out)
			got := map[string]bool{}
			for _, p := range out.Problems {
				got[p.File] = true
			}
			if len(got) != len(tt.files) {
				t.Errorf("files %v, want %v", got, tt.files)
			}
			for _, f := range tt.files {
				if !got[f] {
					t.Errorf("no problems of %s: %v", f, got)
				}
			}
		})
	}
	for _, bad := range []struct{ path, want string }{
		{"mix.exs", "not a rule file"},
		{".ai-rules/none.md", "no such file"},
		{"/etc", "outside the workspace"},
		{"../x", "contains '..'"},
	} {
		res := e.call("lint_rules", map[string]any{"path": bad.path})
		if !res.IsError || !strings.Contains(text(res), bad.want) {
			t.Errorf("lint_rules %q: error %v %q, want %q", bad.path, res.IsError, text(res), bad.want)
		}
	}
}

// TestRulesForFileAgent: Copilot's excludeAgent leaves a file out for the agent it
// names, and only when the caller says which agent it is.
func TestRulesForFileAgent(t *testing.T) {
	e := start(t, setup{prepare: func(root string) {
		p := filepath.Join(root, ".github", "instructions", "no-review.instructions.md")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		text := "---\napplyTo: \"**\"\nexcludeAgent: \"code-review\"\n---\nNot for reviews.\n"
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}})
	const id = "copilot/no-review"
	for _, tt := range []struct {
		agent string
		want  bool
	}{{"", true}, {"coding-agent", true}, {"code-review", false}} {
		args := map[string]any{"path": "lib/app_web/live/page_live.ex"}
		if tt.agent != "" {
			args["agent"] = tt.agent
		}
		var res wire.ContextResult
		e.callOK("rules_for_file", args, &res)
		if got := slices.Contains(contextIDs(res), id); got != tt.want {
			t.Errorf("agent %q: %s applies %v, want %v (rules %v)", tt.agent, id, got, tt.want, contextIDs(res))
		}
	}
}

// TestRulesForFileBoundsOmitted: rules_for_file lists the first 50 omitted rules by
// default and counts the rest in moreOmitted, in the structured answer and in its
// text; maxOmitted -1 lists all, a positive maxOmitted that many. The input schema
// describes maxOmitted for the model.
func TestRulesForFileBoundsOmitted(t *testing.T) {
	const extra = 80
	e := start(t, setup{prepare: func(root string) {
		for i := range extra {
			writeFile(t, filepath.Join(root, ".ai-rules", "00-global", fmt.Sprintf("zz-many-%02d.md", i)),
				fmt.Sprintf("---\ndescription: One of many\npriority: 1\nalwaysApply: true\n---\n- Many rule %d.\n", i))
		}
	}})
	path := "lib/app_web/live/page_live.ex"
	var all wire.ContextResult
	e.callOK("rules_for_file", map[string]any{"path": path, "maxTokens": 150, "maxOmitted": -1}, &all)
	total := len(all.Omitted)
	if total <= wire.DefaultMaxOmitted || all.MoreOmitted != 0 {
		t.Fatalf("maxOmitted -1: %d omitted, %d more; want over %d and 0", total, all.MoreOmitted, wire.DefaultMaxOmitted)
	}
	for _, tt := range []struct {
		name   string
		args   map[string]any
		listed int
	}{
		{"default", map[string]any{}, wire.DefaultMaxOmitted},
		{"maxOmitted 3", map[string]any{"maxOmitted": 3}, 3},
		{"maxOmitted -1", map[string]any{"maxOmitted": -1}, total},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := map[string]any{"path": path, "maxTokens": 150}
			for k, v := range tt.args {
				args[k] = v
			}
			var res wire.ContextResult
			txt := e.callOK("rules_for_file", args, &res)
			if len(res.Omitted) != tt.listed || res.MoreOmitted != total-tt.listed {
				t.Fatalf("%d listed, %d more; want %d and %d", len(res.Omitted), res.MoreOmitted, tt.listed, total-tt.listed)
			}
			if !slices.Equal(res.Omitted, all.Omitted[:tt.listed]) {
				t.Errorf("the list is not the first %d of all omitted", tt.listed)
			}
			more := fmt.Sprintf("… and %d more omitted", res.MoreOmitted)
			if got := strings.Contains(txt, "more omitted"); got != (res.MoreOmitted > 0) || (got && !strings.Contains(txt, more)) {
				t.Errorf("text: want %q only when some are left out:\n%.2000s", more, txt)
			}
			if !strings.Contains(txt, "`"+res.Omitted[tt.listed-1].ID+"`") {
				t.Errorf("text does not name the last listed omission %s", res.Omitted[tt.listed-1].ID)
			}
		})
	}

	tools, err := e.cs.ListTools(e.ctx(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range tools.Tools {
		if tool.Name != "rules_for_file" {
			continue
		}
		b, _ := json.Marshal(tool.InputSchema)
		var schema struct {
			Properties map[string]struct {
				Type        string `json:"type"`
				Description string `json:"description"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(b, &schema); err != nil {
			t.Fatal(err)
		}
		p := schema.Properties["maxOmitted"]
		if p.Type != "integer" || !strings.Contains(p.Description, "-1") || !strings.Contains(p.Description, fmt.Sprint(wire.DefaultMaxOmitted)) {
			t.Errorf("maxOmitted in the input schema: %+v", p)
		}
	}
}
