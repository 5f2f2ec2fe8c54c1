package index

import (
	"slices"

	"github.com/airules/airules/rules"
)

// ReadAhead reads the bodies of the rules a budget takes first when it does not know
// the file (rules.Compare: layer, then priority), until max bytes of rule text are
// held, and keeps them, as a body read by a request is kept. A restored rule's body
// is read from its file the first time a prompt renders it: at 10,000 rules that was
// about a fifth of a server's first answer for a file (BenchmarkContextVSCode,
// miss-p50-ms). A server calls it before its first answer, off the request path.
// Rules that are never rendered (agent-requested, disabled, unreadable) are passed
// over.
func (ix *Index) ReadAhead(max int) {
	ix.mu.Lock()
	rs := make([]*rules.Rule, 0, len(ix.entries))
	for _, e := range ix.entries {
		if r := e.rule; r.Active() && !r.AgentRequested() && !r.Unreadable() {
			rs = append(rs, r)
		}
	}
	ix.mu.Unlock()
	slices.SortFunc(rs, rules.Compare)
	held := 0
	for _, r := range rs {
		if held >= max {
			return
		}
		held += len(r.Text())
	}
}
