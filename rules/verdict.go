package rules

import (
	"sync"
	"sync/atomic"
)

// Whether a rule is disabled or shadowed depends on the whole set (configuration,
// other layers, enforced team rules, AGENTS.override.md), never on the file asked
// about, yet a select asks it of every one of the hundreds of rules that match. A set
// keeps each answer once it is known.

const (
	verdictKnown    = 1 << iota
	verdictDisabled // Disabled
	verdictShadowed // Shadowed
)

// verdicts holds one word per rule of the base and delta tables, filled on first use.
type verdicts struct {
	once        sync.Once
	base, delta []atomic.Uint32
}

// verdict is Disabled and Shadowed of the rule at ri of table t (the set's base or
// delta).
func (s *Set) verdict(t *table, ri int32) (disabled, shadowed bool) {
	v := s.verdicts
	v.once.Do(func() {
		v.base = make([]atomic.Uint32, len(s.base.rules))
		if s.delta != nil {
			v.delta = make([]atomic.Uint32, len(s.delta.rules))
		}
	})
	cells := v.base
	if t != s.base {
		cells = v.delta
	}
	w := cells[ri].Load()
	if w == 0 {
		r := t.rules[ri]
		w = verdictKnown
		if s.Disabled(r) {
			w |= verdictDisabled
		} else if s.Shadowed(r) {
			w |= verdictShadowed
		}
		cells[ri].Store(w)
	}
	return w&verdictDisabled != 0, w&verdictShadowed != 0
}
