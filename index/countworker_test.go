package index

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/airules/airules/rules"
)

// countWorkerEnv makes the test binary a CountWorker's worker (TestMain).
const countWorkerEnv = "AIRULES_INDEX_COUNT_WORKER"

// countWorkerHoldEnv names a FIFO that such a worker opens before it writes its first
// answer: until the test opens the other end, the worker reads and counts, and answers
// nothing.
const countWorkerHoldEnv = "AIRULES_INDEX_COUNT_WORKER_HOLD"

// A heldWriter writes nothing until its FIFO has a writer.
type heldWriter struct {
	fifo string
	once sync.Once
	w    io.Writer
}

func (h *heldWriter) Write(p []byte) (int, error) {
	h.once.Do(func() {
		if f, err := os.Open(h.fifo); err == nil {
			f.Close()
		}
	})
	return h.w.Write(p)
}

// testCountWorker is a CountWorker whose worker is this test binary.
func testCountWorker(t *testing.T, idle time.Duration) *CountWorker {
	t.Helper()
	w := NewCountWorker([]string{os.Args[0], "-test.run=^$"}, []string{countWorkerEnv + "=1"}, idle, testLogger(t))
	t.Cleanup(func() { _ = w.Close() })
	return w
}

func countTexts() []string {
	// Small enough for a race-instrumented worker on a loaded machine: one long piece
	// costs the library's byte-pair merge a time quadratic in its length.
	texts := []string{"", "a", "Hello, world!", "  \n\n\t  ", "naïve café — 東京 🚀", strings.Repeat("x", 2_000),
		strings.Repeat("word ", 1000), "it's they're we've I'm you'll he'd", "12345678901 3.14159"}
	files, _ := filepath.Glob("../testdata/example/.ai-rules/*/*.md")
	for _, f := range files {
		if data, err := os.ReadFile(f); err == nil {
			texts = append(texts, string(data))
		}
	}
	return texts
}

// The worker's counts are this process's, urgent and bulk, with many calls in flight
// at once (their answers come back in any order).
func TestCountWorkerCountsExactly(t *testing.T) {
	w := testCountWorker(t, time.Hour)
	texts := countTexts()
	want := make([]int, len(texts))
	for i, s := range texts {
		want[i] = rules.CountTokens(s)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each call counts a different rotation, so a mixed-up answer shows.
			in := append(append([]string{}, texts[g%len(texts):]...), texts[:g%len(texts)]...)
			var got []int
			var err error
			if g%2 == 0 {
				got, err = w.CountTokens(len(in), stringsText(in))
			} else {
				var c *countCall
				if c, err = w.send(t.Context(), countBulk, len(in), stringsText(in)); err == nil {
					got, err = w.await(t.Context(), c)
				}
			}
			if err != nil {
				errs <- err
				return
			}
			for i := range in {
				if j := (i + g%len(texts)) % len(texts); got[i] != want[j] {
					errs <- fmt.Errorf("call %d: text %d counted %d, want %d", g, j, got[i], want[j])
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if w.Starts() != 1 || w.Counted() != int64(8*len(texts)) {
		t.Errorf("%d starts, %d counted, want 1 and %d", w.Starts(), w.Counted(), 8*len(texts))
	}
}

// An idle worker stops, and the next count starts another.
func TestCountWorkerStopsWhenIdle(t *testing.T) {
	w := testCountWorker(t, time.Millisecond)
	stopped := make(chan struct{}, 4)
	w.mu.Lock()
	w.stopped = func() { stopped <- struct{}{} }
	w.mu.Unlock()
	for round := 1; round <= 2; round++ {
		got, err := w.CountTokens(1, stringsText([]string{"Hello, world!"}))
		if err != nil || len(got) != 1 || got[0] != rules.CountTokens("Hello, world!") {
			t.Fatalf("round %d: %v, %v", round, got, err)
		}
		<-stopped
		if w.Starts() != round {
			t.Fatalf("round %d: %d starts", round, w.Starts())
		}
	}
}

// A worker that cannot start, or exits at once, fails its calls, and the rules stay
// uncounted for Tokens to count here; after a few failures it is not tried again.
func TestCountWorkerFailsOver(t *testing.T) {
	for _, argv := range [][]string{{filepath.Join(t.TempDir(), "no-such-program")}, {"/bin/false"}} {
		w := NewCountWorker(argv, nil, time.Hour, testLogger(t))
		r := rules.Parse(rules.Source{Path: "/w/.ai-rules/a.md", ID: "a"}, []byte("---\ndescription: a\n---\nSome text here.\n"))
		if err := rules.CountWith(w, []*rules.Rule{r}); err == nil {
			t.Fatalf("%v: counted", argv)
		}
		if _, ok := r.CountedTokens(); ok {
			t.Fatalf("%v: a count was filled", argv)
		}
		if r.Tokens() != rules.CountTokens(r.SectionText()) {
			t.Fatalf("%v: Tokens %d", argv, r.Tokens())
		}
		for range countWorkerFailures {
			_, _ = w.CountTokens(1, stringsText([]string{"x"}))
		}
		if _, err := w.CountTokens(1, stringsText([]string{"x"})); err != errNoCountWorker || w.Starts() > countWorkerFailures {
			t.Fatalf("%v: after failures: %v, %d starts", argv, err, w.Starts())
		}
		_ = w.Close()
	}
}

// The worker rejects a damaged stream instead of allocating what it claims.
func TestServeTokenCountsRejectsDamagedFrames(t *testing.T) {
	for name, in := range map[string][]byte{
		"huge count": {1, countUrgent, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"bad kind":   {1, 7, 1, 1, 'x'},
		"cut text":   {1, countUrgent, 1, 10, 0, 0, 0, 'a', 'b'},
		"huge text":  {1, countBulk, 1, 0xff, 0xff, 0xff, 0x7f},
	} {
		var out bytes.Buffer
		if err := ServeTokenCounts(bytes.NewReader(in), &out); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// A good stream is answered, and its end ends the worker cleanly.
	var out bytes.Buffer
	req := appendCountRequest(appendCountRequest(nil, 7, countUrgent, 1, stringsText([]string{"Hello, world!"})), 8, countBulk, 2, stringsText([]string{"a b", ""}))
	if err := ServeTokenCounts(bytes.NewReader(req), &out); err != nil {
		t.Fatal(err)
	}
	got := map[uint64][]int{}
	r := bufio.NewReader(&out)
	for range 2 {
		id, counts, err := readCountReply(r)
		if err != nil {
			t.Fatal(err)
		}
		got[id] = counts
	}
	if fmt.Sprint(got[7]) != fmt.Sprint([]int{rules.CountTokens("Hello, world!")}) || fmt.Sprint(got[8]) != fmt.Sprint([]int{rules.CountTokens("a b"), 0}) {
		t.Fatalf("answers %v", got)
	}
}

// A server's index with a worker counts every rule there, off the request path, and a
// request for a file whose rules are not counted yet has them counted there too: the
// counts and the prompt are those of an index that counts in-process.
func TestServerIndexCountsInTheWorker(t *testing.T) {
	root, db := warmWorkspace(t, 5)
	w := testCountWorker(t, time.Hour)
	ix := reopenWith(t, Options{Root: root, DBPath: db, Watch: true, Counter: w})
	got := ix.Snapshot().Context("main.go", "", nil, 0)
	eventually(t, "token counts stored", func() bool {
		ix.mu.Lock()
		defer ix.mu.Unlock()
		for _, e := range ix.entries {
			if e.stamp.Tokens == 0 {
				return false
			}
		}
		return true
	})
	if w.Counted() < 5 {
		t.Fatalf("the worker counted %d texts", w.Counted())
	}
	ref := reopenWith(t, Options{Root: root, DBPath: ":memory:"})
	want := ref.Snapshot().Context("main.go", "", nil, 0)
	if got.Prompt != want.Prompt || got.Tokens != want.Tokens || len(got.Rules) != len(want.Rules) || len(got.Rules) == 0 {
		t.Fatalf("with a worker: %d rules, %d tokens; in-process: %d rules, %d tokens", len(got.Rules), got.Tokens, len(want.Rules), want.Tokens)
	}
	for i := range got.Rules {
		if got.Rules[i].Tokens != want.Rules[i].Tokens {
			t.Errorf("rule %s: %d tokens, want %d", got.Rules[i].Rule.ID, got.Rules[i].Tokens, want.Rules[i].Tokens)
		}
	}
	checkStoredCounts(t, ix)
}

// checkStoredCounts fails t for each rule of ix whose stored count is not the
// tokenizer's.
func checkStoredCounts(t *testing.T, ix *Index) {
	t.Helper()
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for p, e := range ix.entries {
		if want := rules.CountTokens(e.rule.SectionText()); e.stamp.Tokens != want {
			t.Errorf("%s: stored %d tokens, the tokenizer says %d", p, e.stamp.Tokens, want)
		}
	}
}

// closer is a channel and a function that closes it, once however often it is called.
func closer() (chan struct{}, func()) {
	ch := make(chan struct{})
	var once sync.Once
	return ch, func() { once.Do(func() { close(ch) }) }
}

// The worker takes every bulk request as it comes, however many wait to be counted:
// a round sends them all at once, and an urgent request sent after them must not
// wait behind them. Here nobody reads the answers until every request is written.
func TestServeTokenCountsQueuesBulkWithoutBound(t *testing.T) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	served := make(chan error, 1)
	go func() { served <- ServeTokenCounts(inR, outW) }()
	const bulks = 300
	texts := []string{"Hello, world!", "a b c"}
	wrote := make(chan error, 1)
	go func() {
		for id := range uint64(bulks) {
			if _, err := inW.Write(appendCountRequest(nil, id+1, countBulk, len(texts), stringsText(texts))); err != nil {
				wrote <- err
				return
			}
		}
		wrote <- nil
	}()
	select {
	case err := <-wrote:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute): // a guard, not a wait
		t.Fatal("the worker stopped reading requests while its answers waited")
	}
	r := bufio.NewReader(outR)
	want := fmt.Sprint([]int{rules.CountTokens(texts[0]), rules.CountTokens(texts[1])})
	for i := range uint64(bulks) {
		id, counts, err := readCountReply(r)
		if err != nil {
			t.Fatal(err)
		}
		if id != i+1 || fmt.Sprint(counts) != want {
			t.Fatalf("answer %d: id %d, counts %v; want id %d, %s", i, id, counts, i+1, want)
		}
	}
	inW.Close()
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	outW.Close()
}

// The count wire's readers take any bytes without a panic, within their bounds, and
// read back what the writers wrote.
func FuzzCountFrames(f *testing.F) {
	f.Add([]byte{}, "Hello, world!", "a b")
	f.Add(appendCountRequest(nil, 7, countBulk, 2, stringsText([]string{"x", ""})), "naïve", "")
	f.Add(appendCountReply(nil, 9, []int{1, 2, 3}), "", "\x00\xff")
	f.Add([]byte{1, 0, 0xff, 0xff, 0xff, 0xff, 0x0f}, "a", "b")
	f.Fuzz(func(t *testing.T, raw []byte, a, b string) {
		r := bufio.NewReader(bytes.NewReader(raw))
		for {
			if _, _, _, err := readCountRequest(r); err != nil {
				break
			}
		}
		r = bufio.NewReader(bytes.NewReader(raw))
		for {
			if _, _, err := readCountReply(r); err != nil {
				break
			}
		}
		texts := []string{a, b}
		id, kind, got, err := readCountRequest(bufio.NewReader(bytes.NewReader(appendCountRequest(nil, 42, countUrgent, 2, stringsText(texts)))))
		if err != nil || id != 42 || kind != countUrgent || len(got) != 2 || got[0] != a || got[1] != b {
			t.Fatalf("request read back as %d %d %q, %v", id, kind, got, err)
		}
		counts := []int{len(a), len(b)}
		id, back, err := readCountReply(bufio.NewReader(bytes.NewReader(appendCountReply(nil, 43, counts))))
		if err != nil || id != 43 || fmt.Sprint(back) != fmt.Sprint(counts) {
			t.Fatalf("reply read back as %d %v, %v", id, back, err)
		}
	})
}
