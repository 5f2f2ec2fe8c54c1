package server

import (
	"sync"

	"github.com/airules/airules/index"
	"github.com/airules/airules/server/wire"
)

// answers keeps the encoded airules/context answers of one folder's current snapshot.
// The snapshot caches the computed context already; what is left on a repeated request
// is building the wire result and encoding it, which for a prompt of hundreds of
// applicable rules costs more than the round trip itself (BenchmarkContextStdio). An
// answer depends only on the snapshot and the params (the URI included), so a new
// snapshot empties the cache. Answers that depend on an open buffer's content are not
// kept. They are kept packed (s2): a folder's working set of answers would otherwise be
// the largest thing the server holds after the index.
type answers struct {
	mu    sync.Mutex
	snap  *index.Snapshot
	byKey map[answerKey]packed
	bytes int
	max   int // 0: answerCacheBytes
}

func (a *answers) limit() int {
	if a.max > 0 {
		return a.max
	}
	return answerCacheBytes
}

type answerKey struct {
	uri string
	p   wire.ContextParams
}

// answerCacheBytes bounds the packed answers one folder keeps (an answer at an
// 8,000-token budget is ~60 KB, packed about a third of that); a full cache drops
// answers picked at random (a map's order) until the new one fits, so that a working
// set a little over the bound keeps most of its answers instead of losing all at once.
const answerCacheBytes = 8 << 20

func (a *answers) get(snap *index.Snapshot, k answerKey) (packed, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.snap != snap {
		return nil, false
	}
	v, ok := a.byKey[k]
	return v, ok
}

func (a *answers) put(snap *index.Snapshot, k answerKey, v packed) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.snap != snap {
		a.snap, a.byKey, a.bytes = snap, map[answerKey]packed{}, 0
	}
	if old, ok := a.byKey[k]; ok { // two misses of one answer raced
		a.bytes -= len(old)
	}
	for k, old := range a.byKey {
		if a.bytes+len(v) <= a.limit() {
			break
		}
		delete(a.byKey, k)
		a.bytes -= len(old)
	}
	a.byKey[k] = v
	a.bytes += len(v)
}
