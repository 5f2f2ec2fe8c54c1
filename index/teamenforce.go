package index

import (
	"fmt"
	"slices"

	"github.com/airules/airules/rules"
)

// Enforced team rules (rules.Rule.IsEnforced) win over project and user rules with
// their id and over disabledRules; the rules package decides what applies. The index
// tells the user: a problem on each rule file that an enforced team rule overrides, and
// on the enforced rule when the configuration tries to disable it.

// enforcedOf maps the id of every enforced team rule to it.
func (t *teamLayer) enforcedOf() map[string]*rules.Rule {
	var out map[string]*rules.Rule
	for _, r := range t.rules {
		if r.IsEnforced() {
			if out == nil {
				out = map[string]*rules.Rule{}
			}
			out[r.ID] = r
		}
	}
	return out
}

// withEnforcement adds the enforcement problems of r to ps (a new slice when it adds
// any), given the configuration's disabled ids.
func (ix *Index) withEnforcement(r *rules.Rule, ps []rules.Problem, disabled []string) []rules.Problem {
	if ix.team == nil {
		return ps
	}
	var add []rules.Problem
	if r.Layer != rules.LayerTeam {
		if e := ix.team.enforcedByID(r.ID); e != nil {
			add = append(add, rules.Problem{Code: CodeTeamEnforced, Severity: rules.SeverityWarning,
				Range: rules.Range{End: rules.Position{Line: 1}},
				Message: fmt.Sprintf("rule %s is enforced by the team (%s): this %s rule with the same id does not apply",
					r.ID, e.Path, r.Layer)})
		}
	} else if r.IsEnforced() && slices.Contains(disabled, r.ID) {
		add = append(add, rules.Problem{Code: CodeTeamEnforced, Severity: rules.SeverityWarning,
			Range:   rules.Range{End: rules.Position{Line: 1}},
			Message: fmt.Sprintf("disabledRules lists %s, but the team enforces it: it still applies", r.ID)})
	}
	if len(add) == 0 {
		return ps
	}
	return append(slices.Clip(ps), add...)
}

func (t *teamLayer) enforcedByID(id string) *rules.Rule { return t.enforced[id] }

// disabledDelta lists the fresh problems of the enforced team rules whose id the new
// disabled list adds or drops. Called with ix.mu held, before ix.disabled changes.
func (ix *Index) disabledDelta(next []string) map[string][]rules.Problem {
	if ix.team == nil || len(ix.team.enforced) == 0 {
		return nil
	}
	var out map[string][]rules.Problem
	for _, id := range symmetricDiff(ix.disabled, next) {
		e := ix.team.enforced[id]
		if e == nil {
			continue
		}
		if out == nil {
			out = map[string][]rules.Problem{}
		}
		base := rules.WithUnmatchedGlobs(e, func(string) bool { return false }) // team rules have no AIR007
		out[e.Path] = ix.withEnforcement(e, base, next)
	}
	return out
}

// enforcementDelta lists the fresh problems of the rule files whose enforcement state
// changed between before and after (maps of enforced ids), for publish. Called with
// ix.mu held, after the team rules were updated.
func (ix *Index) enforcementDelta(before, after map[string]*rules.Rule, skip map[string]bool) map[string][]rules.Problem {
	changed := map[string]bool{}
	for id, r := range before {
		if a := after[id]; a == nil || a.Path != r.Path {
			changed[id] = true
		}
	}
	for id := range after {
		if before[id] == nil {
			changed[id] = true
		}
	}
	if len(changed) == 0 {
		return nil
	}
	out := map[string][]rules.Problem{}
	ix.eachEffective(func(r *rules.Rule) {
		if changed[r.ID] && !skip[r.Path] {
			out[r.Path] = ix.problemsOf(r)
		}
	})
	return out
}
