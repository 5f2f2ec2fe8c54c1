package index

import (
	"context"
	"runtime/debug"
	"slices"
	"time"

	"github.com/airules/airules/rules"
	"go.uber.org/zap"
)

// Token counts cost more than parsing (see rules' BenchmarkCountTokens), so no index
// path counts them: a cold CLI run that lists rules never needs them. A long-running
// server (Options.Serve) has a background job that counts, after each publish, the rules
// whose count is unknown, and stores the counts (in the file stamps, apart from the
// indexed records): the next start restores them, so a warm server never loads the
// tokenizer, and a request budgets with counts already there. It hands a round's texts
// to the count worker at once, which counts them on a thread of the idle class, so the
// server's part is sending and recording; without a worker it counts on one goroutine,
// so it holds at most one core.

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

// startTokenWarmer runs the warmer until ctx ends; poke wakes it after a reindex. Its
// first round reads and counts ahead (Options.ReadAhead).
func (ix *Index) startTokenWarmer(ctx context.Context) {
	ix.poke = make(chan struct{}, 1)
	ix.bg.Add(1)
	go func() {
		defer ix.bg.Done()
		ahead := ix.opt.ReadAhead
		for {
			ix.readBodiesAhead(ahead.Read)
			ix.mu.Lock()
			queue := ix.uncounted()
			round := len(queue)
			ix.unstored = slices.Grow(ix.unstored, round)
			ix.mu.Unlock()
			ix.counting(0, round)
			total := ix.warmRound(ctx, queue, ix.urgentBytes(ahead), true, ix.closeAhead)
			ahead = Ahead{}
			if ctx.Err() == nil {
				ix.counting(round, round)
			}
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

// warmRound counts the rules of queue (uncounted's order) and records their counts; it
// returns how many it counted. Batches go to the count worker without waiting for its
// answers, up to sendWindow bytes of bulk text not counted yet: the worker holds their
// texts until it counts them, so the pending bodies (layout.pending) leave the server's
// memory as the round begins, and the server's part while the worker counts is
// recording answers. The rules a prompt renders go first as urgent requests, counted at
// once on every core, up to urgent bytes of their files; once those are recorded and
// the prompt headers counted (countHeadersAhead, when urgent is not 0), ahead is
// called. The others are bulk requests, counted at low priority, or none when bulk is
// false.
func (ix *Index) warmRound(ctx context.Context, queue []tokenWork, urgent int, bulk bool, ahead func()) int {
	r := &round{ix: ix, ctx: ctx, size: len(queue), ahead: ahead, headers: urgent > 0 && ix.opt.Counter != nil}
	window := ix.opt.sendWindow
	if window <= 0 {
		window = sendWindow
	}
	var now, later []tokenWork
	seen := int64(0)
	send := func(kind byte, work *[]tokenWork, full int) bool {
		if len(*work) < full || len(*work) == 0 {
			return true
		}
		c := ix.sendWork(ctx, kind, *work)
		*work = nil
		if kind == countUrgent {
			r.urgent = append(r.urgent, c)
			return true
		}
		r.bulk = append(r.bulk, c)
		r.inFlight += c.size
		for r.inFlight > window {
			if ix.opt.windowFull != nil {
				ix.opt.windowFull()
			}
			if !r.next() {
				return false
			}
		}
		return true
	}
	for len(queue) > 0 && ctx.Err() == nil {
		ix.mu.Lock()
		if ix.closed {
			ix.mu.Unlock()
			break
		}
		for len(queue) > 0 && len(now) < tokenBatch && len(later) < tokenBatch {
			w := queue[0]
			queue = queue[1:]
			e := ix.entries[w.path]
			if e == nil || e.rule != w.rule || e.stamp.Tokens != 0 {
				continue
			}
			if rule := w.rule; seen < int64(urgent) && rule.Active() && !rule.AgentRequested() && !rule.Unreadable() {
				if seen += e.stamp.Size; seen <= int64(urgent) {
					now = append(now, w)
					continue
				}
			}
			if bulk {
				later = append(later, w)
			}
		}
		ix.mu.Unlock()
		if !send(countUrgent, &now, tokenBatch) || !send(countBulk, &later, tokenBatch) {
			return r.total
		}
	}
	if !send(countUrgent, &now, 0) || !send(countBulk, &later, 0) {
		return r.total
	}
	// What the worker holds now is no longer held here, while it counts.
	queue = nil
	ix.lay.pending.dropEmpty()
	if ix.opt.sent != nil {
		ix.opt.sent()
	}
	for r.next() {
	}
	return r.total
}

// sendWindow bounds the bulk text a round has sent the count worker and not had
// counted yet, and so what the worker holds: a first round of up to ~15,000 rules of
// 2 KB fits in it at once; beyond, the round waits for the oldest answers before it
// sends more, and the rest of the bodies wait here, packed.
const sendWindow = 32 << 20

// A round is what a counting round has sent the worker and not recorded yet.
type round struct {
	ix          *Index
	ctx         context.Context
	size, total int        // rules in the round, rules recorded
	urgent      []warmCall // sent, in order
	bulk        []warmCall
	inFlight    int    // bytes of the bulk calls
	headers     bool   // count the prompt headers ahead, once the urgent calls are in
	ahead       func() // called then, once; nil after
}

// next records the next answer, in order: the urgent calls', then (once) the headers
// and ahead, then the oldest bulk call's. It reports false when nothing is left, or
// when the round must stop (the answers not recorded are then given up).
func (r *round) next() bool {
	var c warmCall
	switch {
	case len(r.urgent) > 0:
		c, r.urgent = r.urgent[0], r.urgent[1:]
	case r.ahead != nil:
		if r.headers && r.ctx.Err() == nil {
			r.ix.countHeadersAhead()
		}
		r.ahead()
		r.ahead = nil
		r.report()
		return true
	case len(r.bulk) > 0:
		c, r.bulk = r.bulk[0], r.bulk[1:]
		r.inFlight -= c.size
	default:
		return false
	}
	if !r.ix.awaitWork(r.ctx, c) {
		r.ix.abandon(r.ctx, append(r.urgent, r.bulk...))
		r.urgent, r.bulk = nil, nil
		return false
	}
	r.total += len(c.work)
	if r.ahead == nil {
		r.report()
	}
	return true
}

// report reports the round's progress; its end is reported by its caller.
func (r *round) report() { r.ix.counting(min(r.total, r.size-1), r.size) }

// abandon gives up the answers of calls: nothing of them is recorded.
func (ix *Index) abandon(ctx context.Context, calls []warmCall) {
	for _, c := range calls {
		if c.call != nil {
			_, _ = ix.opt.Counter.await(ctx, c.call)
		}
	}
}

// A warmCall is a batch of the warmer's and, unless it was counted without the count
// worker, the worker's request for it.
type warmCall struct {
	work []tokenWork
	todo []int // the indexes in work that call counts
	call *countCall
	size int // of call's request, in bytes
}

// sendWork sends the rules of work whose count is unknown to the count worker as a
// request of kind; rules counted already (by a request) need only recording, and
// without a worker the batch is counted here when its turn comes (awaitWork), so that
// a round without one still reads ahead first and records batch by batch.
func (ix *Index) sendWork(ctx context.Context, kind byte, work []tokenWork) warmCall {
	c := warmCall{work: work}
	for i := range work {
		if n, ok := work[i].rule.CountedTokens(); ok {
			work[i].n = n
		} else {
			c.todo = append(c.todo, i)
		}
	}
	if len(c.todo) == 0 {
		return c
	}
	call, err := ix.opt.Counter.send(ctx, kind, len(c.todo), func(dst []byte, i int) []byte { return work[c.todo[i]].rule.AppendSection(dst) })
	if err == nil {
		c.call, c.size = call, call.size
	}
	return c
}

// countHere counts the rules of c in this process.
func (ix *Index) countHere(ctx context.Context, c warmCall) {
	for _, i := range c.todo {
		if ctx.Err() != nil {
			return
		}
		c.work[i].n = c.work[i].rule.Tokens() // fills the rule's own cell too
	}
}

// awaitWork waits for the counts of c, counting here what no worker counts or what
// the worker fails to, and records them; false when the warmer must stop.
func (ix *Index) awaitWork(ctx context.Context, c warmCall) bool {
	if c.call == nil {
		ix.countHere(ctx, c)
	} else if ns, err := ix.opt.Counter.await(ctx, c.call); err != nil {
		ix.countHere(ctx, c)
	} else {
		for j, i := range c.todo {
			c.work[i].rule.FillTokens(ns[j])
			c.work[i].n = c.work[i].rule.Tokens() // ns[j], or a count a request made meanwhile
		}
	}
	if ctx.Err() != nil {
		return false
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.closed {
		return false
	}
	ix.recordTokens(c.work)
	if len(ix.unstored) >= maxUnstored || ix.untilQuiet() <= 0 {
		ix.flushTokens()
	}
	return true
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
