package rules

import "testing"

func TestEnforcedTeamRuleWins(t *testing.T) {
	rule := func(path string, l Layer, enforced bool) *Rule {
		return &Rule{Source: Source{Path: path, ID: "x", Layer: l}, Status: StatusActive, AlwaysApply: true, Enforced: enforced}
	}
	for _, tc := range []struct {
		name     string
		rules    []*Rule
		disabled []string
		want     string // the path that applies, "" for none
	}{
		{"layer order without enforcement", []*Rule{rule("team", LayerTeam, false), rule("proj", LayerProject, false), rule("user", LayerUser, false)}, nil, "user"},
		{"an enforced team rule beats project and user", []*Rule{rule("team", LayerTeam, true), rule("proj", LayerProject, false), rule("user", LayerUser, false)}, nil, "team"},
		{"enforced means nothing outside the team layer", []*Rule{rule("team", LayerTeam, false), rule("proj", LayerProject, true), rule("user", LayerUser, false)}, nil, "user"},
		{"configuration cannot disable an enforced rule", []*Rule{rule("team", LayerTeam, true), rule("proj", LayerProject, false)}, []string{"x"}, "team"},
		{"configuration disables the rest", []*Rule{rule("team", LayerTeam, false), rule("proj", LayerProject, false)}, []string{"x"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := NewSet(tc.rules, SetOptions{Disabled: tc.disabled})
			got := ""
			for _, m := range s.Select("a.go", "go").Applied {
				got += m.Rule.Path
			}
			if got != tc.want {
				t.Fatalf("applies %q, want %q", got, tc.want)
			}
			// The same through With (the delta table).
			s2 := NewSet(nil, SetOptions{Disabled: tc.disabled}).With(tc.rules, nil)
			got = ""
			for _, m := range s2.Select("a.go", "go").Applied {
				got += m.Rule.Path
			}
			if got != tc.want {
				t.Fatalf("after With: applies %q, want %q", got, tc.want)
			}
		})
	}
}
