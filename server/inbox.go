package server

import (
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// A request served on the read loop (conn.go, queue.tryRun) is answered from the read
// loop too, and a write blocks while the client does not read. A client that is
// itself blocked writing to us, waiting for us to read, would then never be read: both
// sides wait on each other. So a write from the read loop that has not finished after
// blockedWrite has a goroutine drain the input meanwhile (inbox.drainWhile): the
// client's writes complete, it goes back to reading, and what was drained is read
// next, in order. A write the kernel says goes through at once (frameStream.guardWrite,
// writeRoom), the usual case, is not guarded; any other costs a timer.

// blockedWrite is how long a write from the read loop may take before the input is
// drained: longer than writing an answer into a pipe that is read.
const blockedWrite = time.Millisecond

// inbox is the connection's input, read by the read loop alone except while a write of
// the read loop is blocked.
type inbox struct {
	src io.Reader

	mu       sync.Mutex
	changed  *sync.Cond // drained or draining changed
	drained  []byte     // read by the drainer, not yet by the read loop
	err      error      // the drainer's read error, after drained
	draining bool       // the drainer owns src

	armed atomic.Int64 // drains armed (drainWhile), for tests
}

func newInbox(src io.Reader) *inbox {
	in := &inbox{src: src}
	in.changed = sync.NewCond(&in.mu)
	return in
}

// Read is the read loop's: what was drained first, else src, once the drainer has
// let go of it.
func (in *inbox) Read(p []byte) (int, error) {
	in.mu.Lock()
	for {
		if len(in.drained) > 0 {
			n := copy(p, in.drained)
			in.drained = in.drained[n:]
			if len(in.drained) == 0 {
				in.drained = nil
			}
			in.mu.Unlock()
			return n, nil
		}
		if in.err != nil {
			err := in.err
			in.mu.Unlock()
			return 0, err
		}
		if !in.draining {
			break
		}
		in.changed.Wait()
	}
	in.mu.Unlock()
	return in.src.Read(p)
}

// drainWhile arms the drain for a write the read loop is about to make; done, called
// once the write is over, disarms it. A drainer that started reads until a read of
// its returns after done: it cannot be stopped in the middle of a read.
func (in *inbox) drainWhile() (done func()) {
	in.armed.Add(1)
	over := make(chan struct{})
	t := time.AfterFunc(blockedWrite, func() {
		in.mu.Lock()
		defer in.mu.Unlock()
		if in.draining || in.err != nil {
			return
		}
		select {
		case <-over:
			return
		default:
		}
		in.draining = true
		go in.drain(over)
	})
	return func() {
		t.Stop()
		close(over)
	}
}

// drain reads src into drained until the write is over (or src fails).
func (in *inbox) drain(over <-chan struct{}) {
	buf := make([]byte, 32<<10)
	for {
		n, err := in.src.Read(buf)
		in.mu.Lock()
		in.drained = append(in.drained, buf[:n]...)
		stop := err != nil
		if err != nil {
			in.err = err
		}
		select {
		case <-over:
			stop = true
		default:
		}
		if stop {
			in.draining = false
		}
		in.changed.Broadcast()
		in.mu.Unlock()
		if stop {
			return
		}
	}
}
