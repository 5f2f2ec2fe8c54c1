package index

import "github.com/airules/airules/rules"

// Change is what one reindex changed.
type Change struct {
	Generation  uint64
	Correlation string   // the correlation id shared by the events of this reindex
	Added       []string // rule ids
	Updated     []string
	Removed     []string
	// Problems holds, for every rule file whose diagnostics may have changed (by
	// absolute path), its full current list of problems; an empty list means "clear".
	Problems map[string][]rules.Problem
	// Reconfigured lists the rule ids whose configuration-disabled state SetDisabled
	// changed (added to the contract: such a change touches no rule file).
	Reconfigured []string
}

// Empty reports whether nothing changed.
func (c Change) Empty() bool {
	return len(c.Added) == 0 && len(c.Updated) == 0 && len(c.Removed) == 0 && len(c.Problems) == 0 &&
		len(c.Reconfigured) == 0
}
