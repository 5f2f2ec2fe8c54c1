package mcp

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/airules/airules/server/wire"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

func TestRuleURIRoundTrip(t *testing.T) {
	for _, id := range []string{"00-global/security", "agents/assets", "notes/a b#c?d", "copilot/x%y", "ü/ß"} {
		uri := RuleURI(id)
		got, err := ruleIDOf(uri)
		if err != nil || got != id {
			t.Errorf("%q → %q → %q, %v", id, uri, got, err)
		}
	}
	for _, bad := range []string{"airules://rule/", "airules://other/x", "file:///x", "airules://rule/x?y=1", "airules://rule/x#f", "%zz"} {
		if _, err := ruleIDOf(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestResources(t *testing.T) {
	user := t.TempDir()
	writeFile(t, filepath.Join(user, "00-global", "security.md"), "---\ndescription: My own security rule\nalwaysApply: true\n---\nNever paste keys into chats.\n")
	e := start(t, setup{userDir: user})
	list, err := e.cs.ListResources(e.ctx(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var rules wire.RulesResult
	e.callOK("list_rules", map[string]any{}, &rules)
	// One resource per id: the project security rule is shadowed by the user's.
	if len(list.Resources) != len(rules.Rules)-1 {
		t.Errorf("%d resources for %d rules (one shadowed)", len(list.Resources), len(rules.Rules))
	}
	byURI := map[string]*sdk.Resource{}
	for _, r := range list.Resources {
		byURI[r.URI] = r
		if r.MIMEType != "text/markdown" || r.Name == "" || r.Description == "" {
			t.Errorf("resource %+v", r)
		}
	}
	for _, id := range []string{"00-global/security", "20-frameworks/phoenix/liveview", "cursor/frontend", "agents/assets"} {
		if byURI[RuleURI(id)] == nil {
			t.Errorf("no resource %s", RuleURI(id))
		}
	}

	tests := []struct{ uri, want string }{
		{RuleURI("20-frameworks/phoenix/liveview"), "handle_event/3"},
		{RuleURI("00-global/security"), "Never paste keys"},                     // the owner of the id
		{"airules://rule/20-frameworks%2Fphoenix%2Fliveview", "handle_event/3"}, // not listed: the template
	}
	for _, tt := range tests {
		res, err := e.cs.ReadResource(e.ctx(), &sdk.ReadResourceParams{URI: tt.uri})
		if err != nil {
			t.Errorf("read %s: %v", tt.uri, err)
			continue
		}
		if len(res.Contents) != 1 || !strings.Contains(res.Contents[0].Text, tt.want) || res.Contents[0].MIMEType != "text/markdown" {
			t.Errorf("read %s: %+v", tt.uri, res.Contents)
		}
	}
	for _, uri := range []string{RuleURI("no/such-rule"), "airules://other/x", "file:///etc/passwd"} {
		_, err := e.cs.ReadResource(e.ctx(), &sdk.ReadResourceParams{URI: uri})
		var rpc *jsonrpc.Error
		if !errors.As(err, &rpc) || rpc.Code != jsonrpc.CodeInvalidParams {
			t.Errorf("read %s: %v, want resource not found", uri, err)
		}
	}

	tmpl, err := e.cs.ListResourceTemplates(e.ctx(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(tmpl.ResourceTemplates) != 1 || tmpl.ResourceTemplates[0].URITemplate != "airules://rule/{+id}" {
		t.Errorf("templates %+v", tmpl.ResourceTemplates)
	}
}

func TestPrompt(t *testing.T) {
	e := start(t, setup{})
	list, err := e.cs.ListPrompts(e.ctx(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Prompts) != 1 || list.Prompts[0].Name != "rules-context" || len(list.Prompts[0].Arguments) != 1 ||
		list.Prompts[0].Arguments[0].Name != "path" || !list.Prompts[0].Arguments[0].Required {
		t.Fatalf("prompts %+v", list.Prompts)
	}
	var want wire.ContextResult
	e.callOK("rules_for_file", map[string]any{"path": "lib/app_web/live/page_live.ex"}, &want)
	got, err := e.cs.GetPrompt(e.ctx(), &sdk.GetPromptParams{Name: "rules-context", Arguments: map[string]string{"path": "lib/app_web/live/page_live.ex"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Messages) != 1 || got.Messages[0].Role != "user" {
		t.Fatalf("messages %+v", got.Messages)
	}
	if tc, ok := got.Messages[0].Content.(*sdk.TextContent); !ok || tc.Text != want.Prompt {
		t.Errorf("the prompt differs from rules_for_file's: %+v", got.Messages[0].Content)
	}

	// A file no rule applies to says so rather than inserting nothing.
	none, err := e.cs.GetPrompt(e.ctx(), &sdk.GetPromptParams{Name: "rules-context", Arguments: map[string]string{"path": "assets/css/app.css"}})
	if err != nil {
		t.Fatal(err)
	}
	if tc := none.Messages[0].Content.(*sdk.TextContent); tc.Text == "" {
		t.Errorf("empty prompt text")
	}

	for _, args := range []map[string]string{{}, {"path": "../x"}, {"path": "/etc/passwd"}} {
		if _, err := e.cs.GetPrompt(e.ctx(), &sdk.GetPromptParams{Name: "rules-context", Arguments: args}); err == nil {
			t.Errorf("rules-context %v: no error", args)
		}
	}
}

// TestRuleEditedOnDisk edits, adds and removes rule files under the real watcher: each
// change produces list_changed and shows in the next call, for a client of the
// initialize handshake and one of the newest protocol.
func TestRuleEditedOnDisk(t *testing.T) {
	for _, protocol := range []string{"2025-06-18", ""} {
		t.Run("protocol "+orLatest(protocol), func(t *testing.T) {
			e := start(t, setup{protocol: protocol})
			liveview := filepath.Join(e.root, ".ai-rules", "20-frameworks", "phoenix", "liveview.md")
			uri := RuleURI("20-frameworks/phoenix/liveview")
			if err := e.cs.Subscribe(e.ctx(), &sdk.SubscribeParams{URI: uri}); err != nil {
				t.Fatal(err)
			}
			e.drain()

			// Edit: a new description and body.
			writeFile(t, liveview, "---\ndescription: LiveView, revised\nscope: [framework]\nglobs: [\"lib/**/live/**/*.ex\"]\n---\nStream large collections with stream/3.\n")
			var res wire.ContextResult
			e.waitChangedUntil("an edit", func() bool {
				e.callOK("rules_for_file", map[string]any{"path": "lib/app_web/live/page_live.ex"}, &res)
				return strings.Contains(res.Prompt, "stream/3")
			})
			if !strings.Contains(res.Prompt, "stream/3") || strings.Contains(res.Prompt, "handle_event/3") {
				t.Errorf("the edit is not in the next answer:\n%s", res.Prompt)
			}
			read, err := e.cs.ReadResource(e.ctx(), &sdk.ReadResourceParams{URI: uri})
			if err != nil || !strings.Contains(read.Contents[0].Text, "stream/3") {
				t.Errorf("resource after the edit: %v %+v", err, read)
			}
			list, err := e.cs.ListResources(e.ctx(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if i := slices.IndexFunc(list.Resources, func(r *sdk.Resource) bool { return r.URI == uri }); i < 0 || list.Resources[i].Title != "LiveView, revised" {
				t.Errorf("the listed resource kept its old description")
			}
			select {
			case got := <-e.updated:
				if got != uri {
					t.Errorf("resources/updated for %s, want %s", got, uri)
				}
			case <-time.After(20 * time.Second):
				t.Errorf("no resources/updated for the subscribed rule")
			}

			// Add a rule: listed, readable, applied.
			e.drain()
			added := filepath.Join(e.root, ".ai-rules", "30-contexts", "live-tests.md")
			writeFile(t, added, "---\ndescription: LiveView tests\nglobs: [\"lib/**/live/**\"]\n---\nTest every LiveView with live/2.\n")
			e.waitChangedUntil("a new rule", func() bool {
				e.callOK("rules_for_file", map[string]any{"path": "lib/app_web/live/page_live.ex"}, &res)
				return slices.Contains(contextIDs(res), "30-contexts/live-tests")
			})
			if _, err := e.cs.ReadResource(e.ctx(), &sdk.ReadResourceParams{URI: RuleURI("30-contexts/live-tests")}); err != nil {
				t.Errorf("read the new rule: %v", err)
			}

			// Remove it: gone from the list and the answers.
			e.drain()
			must(t, os.Remove(added))
			e.waitChangedUntil("a removed rule", func() bool {
				list, err = e.cs.ListResources(e.ctx(), nil)
				if err != nil {
					t.Fatal(err)
				}
				return !slices.ContainsFunc(list.Resources, func(r *sdk.Resource) bool { return strings.Contains(r.URI, "live-tests") })
			})
			e.callOK("rules_for_file", map[string]any{"path": "lib/app_web/live/page_live.ex"}, &res)
			if slices.Contains(contextIDs(res), "30-contexts/live-tests") {
				t.Errorf("the removed rule still applies")
			}
		})
	}
}

func orLatest(p string) string {
	if p == "" {
		return "latest"
	}
	return p
}

func TestCompletion(t *testing.T) {
	e := start(t, setup{})
	tests := []struct {
		name  string
		ref   *sdk.CompleteReference
		arg   sdk.CompleteParamsArgument
		want  []string
		total int
	}{
		{"prompt path", &sdk.CompleteReference{Type: "ref/prompt", Name: "rules-context"},
			sdk.CompleteParamsArgument{Name: "path", Value: "lib/app_web/c"},
			[]string{"lib/app_web/controllers/api/user_controller.ex", "lib/app_web/controllers/fallback_controller.ex", "lib/app_web/controllers/page_controller.ex"}, 3},
		{"template id", &sdk.CompleteReference{Type: "ref/resource", URI: "airules://rule/{+id}"},
			sdk.CompleteParamsArgument{Name: "id", Value: "00-"}, []string{"00-global/code-style", "00-global/security"}, 2},
		{"nothing matches", &sdk.CompleteReference{Type: "ref/resource", URI: "airules://rule/{+id}"},
			sdk.CompleteParamsArgument{Name: "id", Value: "zz"}, []string{}, 0},
		{"another argument", &sdk.CompleteReference{Type: "ref/prompt", Name: "rules-context"},
			sdk.CompleteParamsArgument{Name: "language", Value: ""}, []string{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := e.cs.Complete(e.ctx(), &sdk.CompleteParams{Ref: tt.ref, Argument: tt.arg})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(res.Completion.Values, tt.want) || res.Completion.Total != tt.total || res.Completion.HasMore {
				t.Errorf("completion %+v, want %v", res.Completion, tt.want)
			}
		})
	}

	// Many files: at most 100 values, and it says how many there are.
	many := start(t, setup{prepare: func(root string) {
		for i := range 150 {
			writeFile(t, filepath.Join(root, "lib", "many", fmt.Sprintf("f%03d.ex", i)), "")
		}
	}})
	res, err := many.cs.Complete(many.ctx(), &sdk.CompleteParams{
		Ref:      &sdk.CompleteReference{Type: "ref/prompt", Name: "rules-context"},
		Argument: sdk.CompleteParamsArgument{Name: "path", Value: "lib/many/"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if c := res.Completion; len(c.Values) != 100 || c.Total != 150 || !c.HasMore || c.Values[0] != "lib/many/f000.ex" {
		t.Errorf("150 matches: %d values, total %d, more %v, first %q", len(c.Values), c.Total, c.HasMore, c.Values[0])
	}
}
