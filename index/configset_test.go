package index

import (
	"context"
	"testing"

	"github.com/airules/airules/rules"
)

// TestConfigFileDisables: the configuration file's disabled ids reach the rule set, at
// open and when the file changes.
func TestConfigFileDisables(t *testing.T) {
	root := t.TempDir()
	write(t, root, ".ai-rules/a.md", "---\ndescription: a\nalwaysApply: true\n---\nA\n")
	write(t, root, ".ai-rules/b.md", "---\ndescription: b\nalwaysApply: true\n---\nB\n")
	cfg := write(t, root, ".ai-rules/config.yaml", "disabled: [a]\n")
	ix := open(t, Options{Root: root})
	applied := func() []string {
		var ids []string
		for _, m := range ix.Snapshot().Rules.Select("x.go", "").Applied {
			ids = append(ids, m.Rule.ID)
		}
		return ids
	}
	if got := applied(); len(got) != 1 || got[0] != "b" {
		t.Fatalf("with disabled: [a] at open: applied %v", got)
	}
	write(t, root, ".ai-rules/config.yaml", "disabled: []\n")
	ch, err := ix.Reindex(context.Background(), "test", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := applied(); len(got) != 2 || ch.Empty() {
		t.Fatalf("after the config no longer disables a: applied %v, change %+v", got, ch)
	}
	if ix.Snapshot().Rules.Disabled(ix.Snapshot().Rules.Rule(root + "/.ai-rules/a.md")) {
		t.Errorf("a still disabled")
	}
}

// TestConfigFileLayerOrder: the configuration file's layer order decides which of two
// rules with one id shadows the other, and a change of it takes effect.
func TestConfigFileLayerOrder(t *testing.T) {
	root, user := t.TempDir(), t.TempDir()
	write(t, root, ".ai-rules/a.md", "---\ndescription: project a\nalwaysApply: true\n---\nP\n")
	write(t, user, "a.md", "---\ndescription: user a\nalwaysApply: true\n---\nU\n")
	cfg := write(t, root, ".ai-rules/config.yaml", "layers: [project, user]\n")
	ix := open(t, Options{Root: root, UserRulesDir: user})
	winner := func() string {
		sel := ix.Snapshot().Rules.Select("x.go", "")
		if len(sel.Applied) != 1 {
			t.Fatalf("applied %d rules, want 1 (one shadows the other)", len(sel.Applied))
		}
		return sel.Applied[0].Rule.Layer.String()
	}
	if got := winner(); got != rules.LayerProject.String() {
		t.Fatalf("layers: [project, user]: the %s rule wins", got)
	}
	write(t, root, ".ai-rules/config.yaml", "layers: [user, project]\n")
	if ch, err := ix.Reindex(context.Background(), "test", cfg); err != nil || ch.Empty() {
		t.Fatalf("reindex of the config: %+v %v", ch, err)
	}
	if got := winner(); got != rules.LayerUser.String() {
		t.Errorf("layers: [user, project]: the %s rule wins", got)
	}
}

// TestConfigFileProblems: what is wrong with the configuration file is in the
// snapshot's problems, at its path, and a fix clears them.
func TestConfigFileProblems(t *testing.T) {
	root := t.TempDir()
	write(t, root, ".ai-rules/a.md", "---\ndescription: a\nalwaysApply: true\n---\nA\n")
	cfg := write(t, root, ".ai-rules/config.yaml", "maxTokns: 100\n")
	ix := open(t, Options{Root: root})
	if ps := ix.Snapshot().Problems[cfg]; len(ps) != 1 || ps[0].Code != rules.CodeUnknownKey {
		t.Fatalf("config problems at open: %+v", ps)
	}
	write(t, root, ".ai-rules/config.yaml", "maxTokens: 100\n")
	ch, err := ix.Reindex(context.Background(), "test", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if ps, ok := ch.Problems[cfg]; !ok || len(ps) != 0 {
		t.Errorf("the change does not clear the config's problems: %+v", ch.Problems)
	}
	if ps, ok := ix.Snapshot().Problems[cfg]; ok {
		t.Errorf("fixed config still has problems: %+v", ps)
	}
}

// TestConfigFileBudgetAndEnabled: the configuration's maxTokens is the default budget;
// enabled: false, or AIRULES_ENABLED=false, leaves every answer empty and no problems.
func TestConfigFileBudgetAndEnabled(t *testing.T) {
	root := t.TempDir()
	write(t, root, ".ai-rules/a.md", "---\ndescription: a\nalwaysApply: true\npriority: high\n---\nA\n")
	write(t, root, ".ai-rules/config.yaml", "maxTokens: 1234\n")
	ix := open(t, Options{Root: root})
	if c := ix.Snapshot().Context("x.go", "", nil, 0); c.MaxTokens != 1234 || len(c.Rules) != 1 {
		t.Fatalf("budget %d, %d rules; want the config's 1234 and the rule", c.MaxTokens, len(c.Rules))
	}
	if c := ix.Snapshot().Context("x.go", "", nil, 99); c.MaxTokens != 99 {
		t.Errorf("an explicit budget %d, want 99", c.MaxTokens)
	}

	for name, setup := range map[string]func(t *testing.T, root string){
		"enabled: false":        func(t *testing.T, root string) { write(t, root, ".ai-rules/config.yaml", "enabled: false\n") },
		"AIRULES_ENABLED=false": func(t *testing.T, root string) { t.Setenv("AIRULES_ENABLED", "false") },
	} {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			write(t, root, ".ai-rules/a.md", "---\ndescription: a\nalwaysApply: true\npriority: high\n---\nA\n")
			setup(t, root)
			ix := open(t, Options{Root: root})
			s := ix.Snapshot()
			if c := s.Context("x.go", "", nil, 0); len(c.Rules) != 0 || c.Prompt != "" || s.Rules.Len() != 0 {
				t.Errorf("off, yet %d rules apply (%d indexed)", len(c.Rules), s.Rules.Len())
			}
			for p, ps := range s.Problems {
				if len(ps) > 0 {
					t.Errorf("off, yet %s has problems %v", p, ps)
				}
			}
		})
	}
}
