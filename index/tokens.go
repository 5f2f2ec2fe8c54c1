package index

import (
	"context"
	"runtime"
	"runtime/debug"
	"slices"
	"time"

	"github.com/airules/airules/rules"
	"go.uber.org/zap"
)

// Token counts cost more than parsing (see rules' BenchmarkCountTokens), so no index
// path counts them: a cold CLI run that lists rules never needs them. A long-running
// server (Options.Watch) has a background job that counts, after each publish, the rules
// whose count is unknown, a batch at a time, and stores the counts (in the file stamps,
// apart from the indexed records): the next start restores them, so a warm server never
// loads the tokenizer, and a request budgets with counts already there. It runs on one
// goroutine, so it holds at most one core, and yields between batches.

// tokenBatch is how many rules are counted in one batch.
const tokenBatch = 64

// quietStore is how long no context must have been computed before the warmer writes
// the counts it made to the store. Writing them rewrites a file record per rule: at
// 10,000 rules ~5 MB of garbage, a collection more for a server answering its first
// requests (BenchmarkContextVSCode, start=cold). Counts not written yet are used all
// the same; Close writes them.
const quietStore = 250 * time.Millisecond

// maxUnstored bounds the counts held unwritten: past it, they are written at once.
const maxUnstored = 16384

// bulkCount is how many counts make a bulk: after one (a cold start, a branch switch)
// the warmer hands the free pages of reading, parsing and counting back to the OS, as
// the server does after a huge message; the runtime would otherwise keep them, and an
// idle server collects rarely.
const bulkCount = 2048

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
			total := 0
			ix.mu.Lock()
			ix.warmQueue = ix.uncounted()
			round := len(ix.warmQueue)
			ix.unstored = slices.Grow(ix.unstored, round)
			ix.mu.Unlock()
			ix.counting(0, round)
			for {
				n, more := ix.warmTokens(ctx)
				total += n
				if !more || ctx.Err() != nil {
					break
				}
				ix.counting(min(total, round-1), round)
				runtime.Gosched()
			}
			if ctx.Err() == nil {
				ix.counting(round, round)
			}
			ix.mu.Lock()
			ix.warmQueue = nil
			ix.mu.Unlock()
			// Every rule is counted, so what is still pending belongs to rules replaced
			// before their first use (or parsed meanwhile, read from their file if needed).
			ix.lay.pending.clear()
			if total >= bulkCount && ctx.Err() == nil {
				debug.FreeOSMemory()
			}
			if poked := ix.storeWhenQuiet(ctx); !poked {
				select {
				case <-ctx.Done():
					return
				case <-ix.poke:
				}
			}
		}
	}()
}

// untilQuiet is how long until no context will have been computed for quietStore;
// 0 or less when that is now.
func (ix *Index) untilQuiet() time.Duration {
	if ix.opt.quiet != nil {
		if ix.opt.quiet() {
			return 0
		}
		return quietStore
	}
	return quietStore - ix.m.sinceQuery()
}

// storeWhenQuiet writes the counts not written yet once no context has been computed
// for quietStore, and reports whether the warmer was poked meanwhile (the counts are
// then written later, with the next round's). It returns at once when nothing waits.
func (ix *Index) storeWhenQuiet(ctx context.Context) (poked bool) {
	for {
		ix.mu.Lock()
		var wait time.Duration
		n := len(ix.unstored)
		if n > 0 && !ix.closed {
			if wait = ix.untilQuiet(); wait <= 0 {
				ix.flushTokens()
			}
		}
		ix.mu.Unlock()
		if wait <= 0 {
			if n >= bulkCount && ctx.Err() == nil {
				debug.FreeOSMemory() // the old records, as after a bulk count
			}
			return false
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-ix.poke:
			t.Stop()
			return true
		case <-t.C:
		}
	}
}

// counting reports a counting round's progress to Options.OnCounting, if any.
func (ix *Index) counting(done, total int) {
	if ix.opt.OnCounting != nil && total > 0 {
		ix.opt.OnCounting(done, total)
	}
}

// uncounted lists the rules whose count is unknown in the order a file's rules are
// budgeted, as far as it is known without the file (rules.Less: layer, then priority):
// the rules a request takes or lists are counted first. Called with ix.mu held.
func (ix *Index) uncounted() []tokenWork {
	var out []tokenWork
	for p, e := range ix.entries {
		if e.stamp.Tokens == 0 {
			out = append(out, tokenWork{path: p, rule: e.rule})
		}
	}
	slices.SortFunc(out, func(a, b tokenWork) int { return rules.Compare(a.rule, b.rule) })
	return out
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

// warmTokens counts one batch and stores it; it reports how many it counted and
// whether more may remain.
func (ix *Index) warmTokens(ctx context.Context) (int, bool) {
	ix.mu.Lock()
	if ix.closed {
		ix.mu.Unlock()
		return 0, false
	}
	var work []tokenWork
	for len(ix.warmQueue) > 0 && len(work) < tokenBatch {
		w := ix.warmQueue[0]
		ix.warmQueue = ix.warmQueue[1:]
		if e := ix.entries[w.path]; e != nil && e.rule == w.rule && e.stamp.Tokens == 0 {
			work = append(work, w)
		}
	}
	ix.mu.Unlock()
	if len(work) == 0 {
		return 0, false
	}
	if err := ix.countElsewhere(ctx, work); err != nil {
		for i := range work {
			if ctx.Err() != nil {
				return 0, false
			}
			work[i].n = work[i].rule.Tokens() // fills the rule's own cell too
		}
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.closed {
		return 0, false
	}
	ix.recordTokens(work)
	if len(ix.unstored) >= maxUnstored || ix.untilQuiet() <= 0 {
		ix.flushTokens()
	}
	return len(work), len(work) == tokenBatch
}

// countElsewhere counts work in the token count worker, if there is one, at low
// priority; on error the caller counts here.
func (ix *Index) countElsewhere(ctx context.Context, work []tokenWork) error {
	if ix.opt.Counter == nil {
		return errNoCountWorker
	}
	// Rules counted already (ahead of a first answer, or by a request) need only storing.
	todo := make([]int, 0, len(work))
	for i := range work {
		if n, ok := work[i].rule.CountedTokens(); ok {
			work[i].n = n
		} else {
			todo = append(todo, i)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	ns, err := ix.opt.Counter.countBulk(ctx, len(todo), func(dst []byte, i int) []byte { return work[todo[i]].rule.AppendSection(dst) })
	if err != nil {
		return err
	}
	for j, i := range todo {
		work[i].rule.FillTokens(ns[j])
		work[i].n = work[i].rule.Tokens() // ns[j], or a count a request made meanwhile
	}
	return nil
}

// recordTokens records counted rules in their entries; flushTokens writes them to the
// store. Called with ix.mu held.
func (ix *Index) recordTokens(work []tokenWork) {
	for _, w := range work {
		e := ix.entries[w.path]
		if e == nil || e.rule != w.rule { // changed meanwhile: the next round sees it
			continue
		}
		e.stamp.Tokens = max(w.n, 1)
		ix.unstored = append(ix.unstored, tokenWork{path: w.path, rule: w.rule})
	}
}

// flushTokens writes the file records of the recorded counts to the store, as the
// entries hold them now: a file reindexed since with other content (another rule) has
// had its own record written, without this count. Called with ix.mu held.
func (ix *Index) flushTokens() {
	if len(ix.unstored) == 0 {
		return
	}
	ops := make([]op, 0, len(ix.unstored))
	var enc fileEncoder
	for _, w := range ix.unstored {
		if e := ix.entries[w.path]; e != nil && e.rule == w.rule {
			ops = append(ops, op{key: preFile + w.path, val: enc.encode(e.stamp)})
		}
	}
	ix.unstored = nil
	// A group per op, without a slice per group.
	groups := make([][]op, len(ops))
	for i := range ops {
		groups[i] = ops[i : i+1 : i+1]
	}
	if err := ix.st.write(groups); err != nil {
		ix.log.Warn("cannot store token counts", zap.Error(err))
	}
	if ix.opt.flushed != nil {
		ix.opt.flushed(len(ops))
	}
}

// storeCountedTokens stores the counts that requests made (a prompt counts the rules it
// budgets, and its header) and no warmer stored yet, so that a CLI run's counts survive
// it too. Called with ix.mu held, as the index closes.
func (ix *Index) storeCountedTokens() error {
	var work []tokenWork
	for p, e := range ix.entries {
		if e.stamp.Tokens != 0 {
			continue
		}
		if n, ok := e.rule.CountedTokens(); ok {
			work = append(work, tokenWork{path: p, rule: e.rule, n: n})
		}
	}
	if groups := ix.headers.pending(); len(groups) > 0 {
		if err := ix.st.write(groups); err != nil {
			return err
		}
	}
	ix.recordTokens(work)
	ix.flushTokens()
	return nil
}
