package rules

import (
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// Enforcement: a team rule with "enforced: true" is the rule of its id. No project or
// user rule with that id shadows it (they are shadowed instead, whatever the layer
// order says), and configuration cannot disable it. The flag means nothing on a rule of
// another layer: a repository cannot enforce its own rules over the user's.

// IsEnforced reports whether r is an enforced team rule.
func (r *Rule) IsEnforced() bool { return r.Enforced && r.Layer == LayerTeam && !r.Unreadable() }

// Enforcer returns the enforced team rule with this id, or nil.
func (s *Set) Enforcer(id string) *Rule {
	if s.delta != nil {
		for _, i := range s.delta.byID[id] {
			if r := s.delta.rules[i]; r.IsEnforced() {
				return r
			}
		}
	}
	for _, i := range s.base.byID[id] {
		if r := s.base.rules[i]; !s.dead[r.Path] && r.IsEnforced() {
			return r
		}
	}
	return nil
}

// flag reads a boolean key; anything but an unquoted true or false is reported and
// counts as false.
func (p *parser) flag(key string, v *yaml.Node) bool {
	if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!bool" {
		return strings.EqualFold(v.Value, "true")
	}
	p.wrongType(key, "true or false (unquoted)", v)
	return false
}
