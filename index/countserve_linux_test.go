package index

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The bulk count's thread must leave the CPU to any other thread that wakes: the idle
// class does, and the other threads of the process keep their own class.
func TestLowerThreadPriorityIsPerThread(t *testing.T) {
	done := make(chan error)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		lowerThreadPriority()
		attr, err := unix.SchedGetAttr(0, 0)
		if err == nil && attr.Policy != unix.SCHED_IDLE {
			t.Errorf("policy after lowerThreadPriority: %d, want SCHED_IDLE (%d)", attr.Policy, unix.SCHED_IDLE)
		}
		done <- err
	}()
	if err := <-done; err != nil {
		t.Fatalf("sched_getattr: %v", err)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	attr, err := unix.SchedGetAttr(0, 0)
	if err != nil {
		t.Fatalf("sched_getattr: %v", err)
	}
	if attr.Policy == unix.SCHED_IDLE {
		t.Errorf("another thread of the process is in the idle class too")
	}
}

// heldCountWorker is a CountWorker whose worker (this test binary) answers nothing
// until release is called.
func heldCountWorker(t *testing.T) (w *CountWorker, release func()) {
	t.Helper()
	fifo := filepath.Join(t.TempDir(), "hold")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	w = NewCountWorker([]string{os.Args[0], "-test.run=^$"}, []string{countWorkerEnv + "=1", countWorkerHoldEnv + "=" + fifo}, time.Hour, testLogger(t))
	t.Cleanup(func() { _ = w.Close() })
	var once sync.Once
	release = func() {
		once.Do(func() {
			go func() { // the open waits for the worker's first answer
				if f, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
					f.Close()
				}
			}()
		})
	}
	t.Cleanup(release)
	return w, release
}

// openHeld opens, with a worker held as heldCountWorker's, a workspace of n rules
// whose counts no store knows; opt adds the test's hooks. counted is closed once the
// first round has counted every rule.
func openHeld(t *testing.T, n int, opt Options) (ix *Index, release func(), counted chan struct{}) {
	t.Helper()
	root := t.TempDir()
	for i := range n {
		write(t, root, fmt.Sprintf(".ai-rules/r%03d.md", i), ruleText(fmt.Sprintf("rule %d", i), "*.go"))
	}
	var w *CountWorker
	w, release = heldCountWorker(t)
	counted, done := closer()
	opt.Root, opt.DBPath, opt.Watch, opt.Counter = root, filepath.Join(t.TempDir(), "index.db"), true, w
	opt.OnCounting = func(d, total int) {
		if total == n && d == total {
			done()
		}
	}
	return reopenWith(t, opt), release, counted
}

// heldBodies is how many parsed bodies ix holds for rules not counted yet.
func heldBodies(ix *Index) int {
	ix.lay.pending.mu.Lock()
	defer ix.lay.pending.mu.Unlock()
	return len(ix.lay.pending.m)
}

// A counting round sends every rule's text to the worker before it waits for any
// answer: the worker holds them, and the index holds no pending body while the
// worker counts. Here the worker answers nothing until the round has sent it all.
func TestWarmerHandsEveryBodyToTheWorker(t *testing.T) {
	const n = 3*tokenBatch + 5
	sent, sentDone := closer()
	ix, release, counted := openHeld(t, n, Options{sent: sentDone})
	select {
	case <-sent:
	case <-time.After(time.Minute): // a guard, not a wait: the round waits for an answer
		t.Fatal("the round did not send its batches before the worker answered")
	}
	if held := heldBodies(ix); held != 0 {
		t.Errorf("%d pending bodies held after the round sent its batches", held)
	}
	ix.mu.Lock()
	for p, e := range ix.entries {
		if e.stamp.Tokens != 0 {
			t.Errorf("%s: counted before the worker answered", p)
		}
	}
	ix.mu.Unlock()
	release()
	<-counted
	checkStoredCounts(t, ix)
}

// A round sends no more bulk text than its window before the worker has answered: the
// rest of the bodies wait in the index, and are counted once answers come.
func TestWarmerWaitsForAnswersPastItsWindow(t *testing.T) {
	const n = 3*tokenBatch + 5
	full, fullDone := closer()
	sent, sentDone := closer()
	ix, release, counted := openHeld(t, n, Options{sent: sentDone, windowFull: fullDone,
		sendWindow: 1}) // one batch in flight at a time
	select {
	case <-full:
	case <-sent:
		t.Fatal("the round sent every batch while the worker had answered none")
	case <-time.After(time.Minute): // a guard, not a wait
		t.Fatal("the round neither filled its window nor sent everything")
	}
	if held := heldBodies(ix); held != n-tokenBatch {
		t.Errorf("%d bodies pending with one batch in flight, want %d", held, n-tokenBatch)
	}
	release()
	<-counted
	checkStoredCounts(t, ix)
}
