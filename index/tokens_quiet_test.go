package index

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/tidwall/buntdb"
)

// storedCounts is how many file records in the store hold a token count.
func storedCounts(t *testing.T, ix *Index) int {
	t.Helper()
	n := 0
	err := ix.st.db.View(func(tx *buntdb.Tx) error {
		return tx.AscendKeys(preFile+"*", func(_, v string) bool {
			if f, err := decodeFileRecord(v); err == nil && f.Tokens > 0 {
				n++
			}
			return true
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// receive receives from ch, failing t if nothing comes in 10 s.
func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s in 10 s", what)
		panic("unreachable")
	}
}

// The warmer's counts are used at once but written to the store only once no context
// has been computed for a while (quietStore): their records are garbage a server
// answering requests would collect in the middle of them. Close writes what is left.
func TestCountsAreStoredOnceQuiet(t *testing.T) {
	const n = 5
	root, db := warmWorkspace(t, n)
	var quiet atomic.Bool
	roundEnded := make(chan struct{}, 8)
	flushed := make(chan int, 8)
	ix := reopenWith(t, Options{Root: root, DBPath: db, Watch: true, quiet: quiet.Load,
		OnCounting: func(done, total int) {
			if total > 0 && done == total {
				roundEnded <- struct{}{}
			}
		},
		flushed: func(k int) { flushed <- k }})
	receive(t, roundEnded, "end of the counting round")
	ix.mu.Lock()
	inMemory := 0
	for _, e := range ix.entries {
		if e.stamp.Tokens > 0 {
			inMemory++
		}
	}
	ix.mu.Unlock()
	if inMemory != n {
		t.Fatalf("%d of %d rules counted in memory after the round", inMemory, n)
	}
	if got := ix.Snapshot().Context("main.go", "", nil, 0); len(got.Rules) != n {
		t.Fatalf("a context has %d rules, want %d", len(got.Rules), n)
	}
	if k := storedCounts(t, ix); k != 0 {
		t.Fatalf("%d counts stored while the index was not quiet, want 0", k)
	}

	quiet.Store(true)
	if k := receive(t, flushed, "write of the counts"); k != n {
		t.Fatalf("%d counts written once quiet, want %d", k, n)
	}
	if k := storedCounts(t, ix); k != n {
		t.Fatalf("%d counts in the store once quiet, want %d", k, n)
	}
}

func TestCloseStoresCountsNotWrittenYet(t *testing.T) {
	const n = 4
	root, db := warmWorkspace(t, n)
	roundEnded := make(chan struct{}, 8)
	ix, err := Open(t.Context(), Options{Root: root, DBPath: db, Watch: true, Logger: testLogger(t),
		quiet: func() bool { return false },
		OnCounting: func(done, total int) {
			if total > 0 && done == total {
				roundEnded <- struct{}{}
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	receive(t, roundEnded, "end of the counting round")
	if k := storedCounts(t, ix); k != 0 {
		t.Fatalf("%d counts stored before Close, want 0", k)
	}
	if err := ix.Close(); err != nil {
		t.Fatal(err)
	}
	ix = reopen(t, root, db)
	if k := storedCounts(t, ix); k != n {
		t.Fatalf("%d counts stored after Close, want %d", k, n)
	}
	for p, e := range ix.entries {
		if !e.restored || e.stamp.Tokens <= 0 {
			t.Errorf("%s: restored %v with %d tokens", p, e.restored, e.stamp.Tokens)
		}
	}
}

// sinceQuery is long before any context, and short right after one.
func TestSinceQuery(t *testing.T) {
	c := &counters{epoch: time.Now()}
	if d := c.sinceQuery(); d < time.Hour {
		t.Fatalf("no context yet: %v since the last, want a long time", d)
	}
	c.noteQuery()
	if d := c.sinceQuery(); d < 0 || d >= time.Hour {
		t.Fatalf("just computed one: %v since the last, want a moment", d)
	}
}
