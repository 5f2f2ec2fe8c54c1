package server

import (
	"encoding/json"
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
// kept.
type answers struct {
	mu    sync.Mutex
	snap  *index.Snapshot
	byKey map[answerKey]json.RawMessage
	bytes int
}

type answerKey struct {
	uri string
	p   wire.ContextParams
}

// answerCacheBytes bounds the encoded answers one folder keeps; a full cache is
// emptied and refilled.
const answerCacheBytes = 8 << 20

func (a *answers) get(snap *index.Snapshot, k answerKey) (json.RawMessage, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.snap != snap {
		return nil, false
	}
	v, ok := a.byKey[k]
	return v, ok
}

func (a *answers) put(snap *index.Snapshot, k answerKey, v json.RawMessage) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.snap != snap || a.bytes+len(v) > answerCacheBytes {
		a.snap, a.byKey, a.bytes = snap, map[answerKey]json.RawMessage{}, 0
	}
	a.byKey[k] = v
	a.bytes += len(v)
}
