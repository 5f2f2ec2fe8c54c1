package index

import (
	"context"
	"time"

	"github.com/airules/airules/rules"
	"go.uber.org/zap"
)

// Token counts are slow next to parsing (see rules' BenchmarkBudget), so no index path
// counts them: a cold index of 10,000 rules would take seconds more. In a long-running
// server (Options.Watch) a background warmer counts the rules whose count is unknown, a
// batch at a time with pauses so it never holds a core, and stores the counts: the next start restores them
// with SetTokens, and a rule counted here costs nothing when a prompt is budgeted.

const (
	tokenBatch = 64                    // rules counted between two stores
	tokenPause = 20 * time.Millisecond // idle time after each batch: at most ~half a core
)

// tokenWork is one rule to count.
type tokenWork struct {
	path string
	rule *rules.Rule
	n    int
}

// startTokenWarmer runs the warmer until ctx ends; poke wakes it after a reindex.
func (ix *Index) startTokenWarmer(ctx context.Context) {
	ix.poke = make(chan struct{}, 1)
	ix.bg.Add(1)
	go func() {
		defer ix.bg.Done()
		for {
			for ix.warmTokens(ctx) {
				select {
				case <-ctx.Done():
					return
				case <-time.After(tokenPause):
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-ix.poke:
			}
		}
	}()
}

// pokeTokens wakes the warmer, if there is one. Called with ix.mu held.
func (ix *Index) pokeTokens() {
	if ix.poke != nil {
		select {
		case ix.poke <- struct{}{}:
		default:
		}
	}
}

// warmTokens counts one batch and stores it; it reports whether more may remain.
func (ix *Index) warmTokens(ctx context.Context) bool {
	ix.mu.Lock()
	if ix.closed {
		ix.mu.Unlock()
		return false
	}
	var work []tokenWork
	for p, e := range ix.entries {
		if e.tokens == 0 && e.rule.Body != "" {
			work = append(work, tokenWork{path: p, rule: e.rule})
			if len(work) == tokenBatch {
				break
			}
		}
	}
	ix.mu.Unlock()
	if len(work) == 0 {
		return false
	}
	for i := range work {
		if ctx.Err() != nil {
			return false
		}
		work[i].n = work[i].rule.Tokens() // fills the rule's own cell too
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.closed {
		return false
	}
	var groups [][]op
	for _, w := range work {
		e := ix.entries[w.path]
		if e == nil || e.rule != w.rule { // changed meanwhile: the next round sees it
			continue
		}
		e.tokens = max(w.n, 1)
		groups = append(groups, []op{{key: e.stamp.Rule, val: encodeRule(e.rule, e.tokens)}})
	}
	if err := ix.st.write(groups); err != nil {
		ix.log.Warn("cannot store token counts", zap.Error(err))
		return false
	}
	return len(work) == tokenBatch
}
