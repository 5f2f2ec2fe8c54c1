package index

import (
	"slices"
	"strings"
	"testing"

	"github.com/airules/airules/rules"
	"github.com/nats-io/nats.go/jetstream"
)

func enforcedRule(desc string, enforced bool) string {
	e := ""
	if enforced {
		e = "enforced: true\n"
	}
	return "---\ndescription: " + desc + "\nalwaysApply: true\n" + e + "---\n\n" + strings.ToUpper(desc) + " BODY\n"
}

func applied(ix *Index) (in []string, shadowed []string) {
	c := ix.Snapshot().Context("main.go", "", nil, 0)
	for _, r := range c.Rules {
		in = append(in, r.Rule.Layer.String()+":"+r.Rule.ID)
	}
	for _, o := range c.Omitted {
		if o.Reason == "shadowed" {
			shadowed = append(shadowed, o.Rule.Layer.String()+":"+o.Rule.ID)
		}
	}
	slices.Sort(in)
	slices.Sort(shadowed)
	return in, shadowed
}

func hasProblem(ix *Index, path string, code rules.Code) bool {
	return slices.ContainsFunc(ix.Snapshot().Problems[path], func(p rules.Problem) bool { return p.Code == code })
}

func TestTeamEnforcedRuleCannotBeShadowedOrDisabled(t *testing.T) {
	ns := startNATS(t, nil)
	kv := createBucket(t, ns.url(), jetstream.KeyValueConfig{})
	root, db := teamWorkspace(t)
	proj := write(t, root, ".ai-rules/00-global/security.md", enforcedRule("project security", false))
	other := write(t, root, ".ai-rules/style/x.md", enforcedRule("project x", false))
	ix := openTeam(t, root, db, ns.url(), nil)
	waitState(t, ix, TeamLive)

	kv.put(t, "00-global/security", enforcedRule("team security", true))
	kv.put(t, "style/x", enforcedRule("team x", false))
	eventually(t, "team rules", func() bool { return len(teamIDs(ix)) == 2 })
	in, shadowed := applied(ix)
	want := []string{"project:local/style", "project:style/x", "team:00-global/security"}
	if !slices.Equal(in, want) || !slices.Equal(shadowed, []string{"project:00-global/security", "team:style/x"}) {
		t.Fatalf("applied %v shadowed %v", in, shadowed)
	}
	if !hasProblem(ix, proj, CodeTeamEnforced) {
		t.Fatalf("no AIR903 on the overridden project rule: %+v", ix.Snapshot().Problems[proj])
	}
	if hasProblem(ix, other, CodeTeamEnforced) {
		t.Fatal("AIR903 on a rule no enforced rule overrides")
	}

	// Configuration cannot turn it off; the attempt is reported on the team rule.
	ch := ix.SetDisabled([]string{"00-global/security", "style/x"})
	uri := TeamURI(DefaultTeamBucket, "00-global/security")
	if _, ok := ch.Problems[uri]; !ok || !hasProblem(ix, uri, CodeTeamEnforced) {
		t.Fatalf("no AIR903 on the enforced rule disabled by configuration: %+v", ch.Problems)
	}
	in, _ = applied(ix)
	if !slices.Equal(in, []string{"project:local/style", "team:00-global/security"}) {
		t.Fatalf("with disabledRules: %v", in)
	}
	ix.SetDisabled(nil)
	if hasProblem(ix, uri, CodeTeamEnforced) {
		t.Fatal("AIR903 stays after the configuration dropped the id")
	}

	// The team stops enforcing it: the project's rule wins again, its problem goes.
	kv.put(t, "00-global/security", enforcedRule("team security", false))
	eventually(t, "project rule back", func() bool {
		in, _ := applied(ix)
		return slices.Contains(in, "project:00-global/security") && !hasProblem(ix, proj, CodeTeamEnforced)
	})
	// Enforced again: the project's rule is overridden and told so.
	kv.put(t, "00-global/security", enforcedRule("team security", true))
	eventually(t, "enforced again", func() bool { return hasProblem(ix, proj, CodeTeamEnforced) })
}
