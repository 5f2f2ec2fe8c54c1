package index

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// A CountWorker counts tokens for a long-running server in a worker process
// (ServeTokenCounts), started on first use and stopped once idle: the o200k tables and
// the garbage of a bulk count (a server's first index of a workspace, a branch switch)
// stay out of the server's heap, whose resident size is what an editor pays for all
// day, and a bulk count runs in the idle scheduling class. A warm server with every count
// stored never starts it. When the worker cannot be started, or fails, counting falls
// back to the calling process. It is a rules.TokenCounter, safe for concurrent use.
type CountWorker struct {
	argv []string
	env  []string
	idle time.Duration
	log  *zap.Logger

	counted atomic.Int64 // texts the worker counted

	mu       sync.Mutex
	proc     *countProc
	starts   int
	failures int
	closed   bool
	stopped  func() // a test's hook, called as an idle worker stops
}

// countWorkerFailures is how many worker failures make a CountWorker give up.
const countWorkerFailures = 3

// urgentCountTimeout bounds a count a request waits for: a worker that does not answer
// in it is stopped, and the request counts itself.
const urgentCountTimeout = 10 * time.Second

var errNoCountWorker = errors.New("no token count worker")

// frames are request buffers, reused: a server's counts would otherwise leave a copy of
// every rule's text behind for its collector.
var frames = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledFrame is the largest request buffer kept for reuse.
const maxPooledFrame = 4 << 20

// NewCountWorker returns a worker that runs argv (its program and arguments: a command
// that calls ServeTokenCounts on its standard input and output) with env added to the
// environment, and stops it after idle without requests. log may be nil.
func NewCountWorker(argv, env []string, idle time.Duration, log *zap.Logger) *CountWorker {
	if log == nil {
		log = zap.NewNop()
	}
	return &CountWorker{argv: argv, env: env, idle: idle, log: log}
}

// Prestart starts the worker now if it is not running, for a caller that knows counts
// are coming: its tokenizer loads meanwhile.
func (w *CountWorker) Prestart() {
	if p, err := w.running(); err == nil {
		p.release(w)
	}
}

// CountTokens counts n texts at once (a request waits for them).
func (w *CountWorker) CountTokens(n int, text func(dst []byte, i int) []byte) ([]int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), urgentCountTimeout)
	defer cancel()
	return w.count(ctx, countUrgent, n, text)
}

// A countCall is a request sent to the worker whose answer is still to come.
type countCall struct {
	p    *countProc
	id   uint64
	ch   chan []int
	n    int
	size int // of the request, in bytes
}

// send sends n texts to be counted and returns at once: countUrgent ones are counted
// as they come, countBulk ones at low priority after the bulk requests sent before
// them, and the worker holds their texts until then. Every call that returns no error
// must be awaited.
func (w *CountWorker) send(ctx context.Context, kind byte, n int, text func(dst []byte, i int) []byte) (*countCall, error) {
	if w == nil {
		return nil, errNoCountWorker
	}
	p, err := w.running()
	if err != nil {
		return nil, err
	}
	id, ch, size, err := p.send(ctx, kind, n, text)
	if err != nil {
		p.release(w)
		w.failed(p, err)
		return nil, err
	}
	return &countCall{p: p, id: id, ch: ch, n: n, size: size}, nil
}

// await waits for the answer of c, for as long as ctx allows.
func (w *CountWorker) await(ctx context.Context, c *countCall) ([]int, error) {
	defer c.p.release(w)
	counts, err := c.p.await(ctx, c.id, c.ch, c.n)
	if err != nil {
		w.failed(c.p, err)
		return nil, err
	}
	w.counted.Add(int64(c.n))
	return counts, nil
}

func (w *CountWorker) count(ctx context.Context, kind byte, n int, text func([]byte, int) []byte) ([]int, error) {
	c, err := w.send(ctx, kind, n, text)
	if err != nil {
		return nil, err
	}
	return w.await(ctx, c)
}

// Counted is how many texts the worker has counted.
func (w *CountWorker) Counted() int64 { return w.counted.Load() }

// Starts is how many worker processes have been started.
func (w *CountWorker) Starts() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.starts
}

// Close stops the worker; later counts fall back to the calling process.
func (w *CountWorker) Close() error {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	w.closed = true
	p := w.proc
	w.proc = nil
	w.mu.Unlock()
	if p != nil {
		p.stop()
	}
	return nil
}

// running returns the worker process, started if need be, with one more user.
func (w *CountWorker) running() (*countProc, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed || w.failures >= countWorkerFailures {
		return nil, errNoCountWorker
	}
	if w.proc == nil {
		p, err := startCountProc(w.argv, w.env)
		if err != nil {
			w.failures++
			w.log.Warn("cannot start the token count worker; counting in this process", zap.Error(err))
			return nil, err
		}
		p.idle = time.AfterFunc(w.idle, func() { w.idleStop(p) })
		w.proc = p
		w.starts++
	}
	w.proc.users++
	w.proc.idle.Stop()
	return w.proc, nil
}

// release ends one use of p and arms its idle stop when it was the last.
func (p *countProc) release(w *CountWorker) {
	w.mu.Lock()
	defer w.mu.Unlock()
	p.users--
	if p.users == 0 && w.proc == p {
		p.idle.Reset(w.idle)
	}
}

// idleStop stops p if it is still idle and still the worker's process.
func (w *CountWorker) idleStop(p *countProc) {
	w.mu.Lock()
	if w.proc != p || p.users > 0 {
		w.mu.Unlock()
		return
	}
	w.proc = nil
	hook := w.stopped
	w.mu.Unlock()
	p.stop()
	if hook != nil {
		hook()
	}
}

// failed retires p after err; a later count starts a new worker, up to
// countWorkerFailures times.
func (w *CountWorker) failed(p *countProc, err error) {
	if errors.Is(err, context.Canceled) {
		return // the caller gave up, not the worker
	}
	w.mu.Lock()
	if w.proc == p {
		w.proc = nil
		w.failures++
		w.log.Warn("the token count worker failed", zap.Error(err), zap.Int("failures", w.failures))
	}
	w.mu.Unlock()
	go p.stop()
}

// countProc is one worker process and the calls in flight to it.
type countProc struct {
	cmd *exec.Cmd
	in  *os.File // the worker's standard input
	out *os.File // its standard output
	// idle stops the process once it has had no users for a while; it and users are
	// guarded by the CountWorker's mu.
	idle  *time.Timer
	users int

	wmu sync.Mutex // one request frame at a time
	mu  sync.Mutex
	// pending are the calls waiting for their answer, by id.
	pending map[uint64]chan []int
	next    uint64
	err     error         // why the answers ended, once they have
	done    chan struct{} // closed when the answers end
	exited  chan struct{} // closed when the process has been waited for
}

func startCountProc(argv, env []string) (*countProc, error) {
	if len(argv) == 0 {
		return nil, errNoCountWorker
	}
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("token count worker: %w", err)
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, fmt.Errorf("token count worker: %w", err)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = inR, outW, nil
	err = cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, fmt.Errorf("start the token count worker: %w", err)
	}
	p := &countProc{cmd: cmd, in: inW, out: outR, pending: map[uint64]chan []int{},
		done: make(chan struct{}), exited: make(chan struct{})}
	go p.readAnswers()
	go func() {
		_ = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// readAnswers hands each answer to its call until the worker's output ends.
func (p *countProc) readAnswers() {
	r := bufio.NewReaderSize(p.out, 16<<10)
	var err error
	for {
		var id uint64
		var counts []int
		if id, counts, err = readCountReply(r); err != nil {
			break
		}
		p.mu.Lock()
		ch := p.pending[id]
		delete(p.pending, id)
		p.mu.Unlock()
		if ch != nil {
			ch <- counts
		}
	}
	p.mu.Lock()
	p.err = fmt.Errorf("token count worker: %w", noEOF(err))
	p.mu.Unlock()
	close(p.done)
}

// send writes one request and returns its id, the channel its answer comes on and its
// size.
func (p *countProc) send(ctx context.Context, kind byte, n int, text func([]byte, int) []byte) (uint64, chan []int, int, error) {
	ch := make(chan []int, 1)
	p.mu.Lock()
	if p.err != nil {
		err := p.err
		p.mu.Unlock()
		return 0, nil, 0, err
	}
	p.next++
	id := p.next
	p.pending[id] = ch
	p.mu.Unlock()
	bp := frames.Get().(*[]byte)
	frame := appendCountRequest((*bp)[:0], id, kind, n, text)
	p.wmu.Lock()
	if d, ok := ctx.Deadline(); ok {
		_ = p.in.SetWriteDeadline(d)
	} else {
		_ = p.in.SetWriteDeadline(time.Time{})
	}
	_, err := p.in.Write(frame)
	p.wmu.Unlock()
	size := len(frame)
	if cap(frame) <= maxPooledFrame {
		*bp = frame
		frames.Put(bp)
	}
	if err != nil {
		p.forget(id)
		return 0, nil, 0, fmt.Errorf("token count worker: %w", err)
	}
	return id, ch, size, nil
}

// await waits for the answer of request id on ch, the worker's end, or ctx.
func (p *countProc) await(ctx context.Context, id uint64, ch chan []int, n int) ([]int, error) {
	defer p.forget(id)
	select {
	case counts := <-ch:
		if len(counts) != n {
			return nil, fmt.Errorf("token count worker: %d counts for %d texts", len(counts), n)
		}
		return counts, nil
	case <-p.done:
		p.mu.Lock()
		defer p.mu.Unlock()
		return nil, p.err
	case <-ctx.Done():
		return nil, fmt.Errorf("token count worker: %w", ctx.Err())
	}
}

// forget stops waiting for the answer of request id.
func (p *countProc) forget(id uint64) {
	p.mu.Lock()
	delete(p.pending, id)
	p.mu.Unlock()
}

// stop ends the worker: its input closes, so it finishes and exits; one that does not
// in a while is killed.
func (p *countProc) stop() {
	p.idle.Stop()
	p.wmu.Lock()
	_ = p.in.Close()
	p.wmu.Unlock()
	select {
	case <-p.exited:
	case <-time.After(2 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
	_ = p.out.Close()
}
