package index

import (
	"strconv"
	"sync"

	"github.com/airules/airules/rules"
)

// headerCounts are the token counts of the prompt headers of the files asked about
// (rules.HeaderTokens), kept across snapshots and stored (header:<rel> keys) as the
// index closes: with them and every rule's count stored, a warm start answers the
// files it answered before without loading the tokenizer.
type headerCounts struct {
	mu    sync.Mutex
	n     map[string]int
	fresh []string // counted since the last store
}

// maxHeaderCounts bounds the headers kept: a workspace's source files, at most.
const maxHeaderCounts = 100_000

// of is the header count for rel, counted now if no earlier request or store knew it.
func (h *headerCounts) of(rel string) int {
	if h == nil {
		return rules.HeaderTokens(rel)
	}
	if n, ok := h.known(rel); ok {
		return n
	}
	n := rules.HeaderTokens(rel)
	h.set(rel, n)
	return n
}

// known is the header count for rel if a request or the store knew it.
func (h *headerCounts) known(rel string) (int, bool) {
	if h == nil {
		return 0, false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	n, ok := h.n[rel]
	return n, ok
}

// set records the header count n for rel, counted elsewhere.
func (h *headerCounts) set(rel string, n int) {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.n[rel]; !ok && len(h.n) < maxHeaderCounts {
		h.n[rel] = n
		h.fresh = append(h.fresh, rel)
	}
}

// restore takes the counts read at open.
func (h *headerCounts) restore(stored map[string]string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.n = make(map[string]int, len(stored))
	h.fresh = nil
	for rel, v := range stored {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			h.n[rel] = n
		}
	}
}

// pending returns the writes of the counts not stored yet and forgets them.
func (h *headerCounts) pending() [][]op {
	h.mu.Lock()
	defer h.mu.Unlock()
	var groups [][]op
	for _, rel := range h.fresh {
		groups = append(groups, []op{{key: preHeader + rel, val: strconv.Itoa(h.n[rel])}})
	}
	h.fresh = nil
	return groups
}
