package server

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/klauspost/compress/s2"
	segjson "github.com/segmentio/encoding/json"
	"runtime/debug"
	"strings"
	"sync"

	"go.lsp.dev/jsonrpc2"
	"go.uber.org/zap"
)

// This file is the bottom of the handler chain, which runs on the connection's read
// loop:
//
//	read loop → handle: $/cancelRequest and exit at once; hover and airules/context
//	            served there when nothing is queued (servedAtOnce); everything else
//	            into the queue
//	queue     → serve (handler.go): recover → lifecycle → the handler map
//
// jsonrpc2 v0.10 runs its handler on the read loop, so a handler that blocks stops the
// reading of cancellations and of the client's answers to our own calls (deadlock).
// Here the read loop enqueues, and one worker serves messages in arrival order
// (didChange before the hover that follows it), so the read loop stays free; only
// requests that never wait on the client, answered in milliseconds, are served on it,
// and only when the queue is empty and idle, which keeps the order. The messages
// themselves are framed by stream.go, and inbox.go keeps the read loop's own writes
// from blocking it.

// queue serves messages one at a time in arrival order, off the read loop. It is
// unbounded: the read loop must never block on it.
type queue struct {
	mu     sync.Mutex
	items  []func()
	wake   chan struct{}
	closed bool
	busy   bool // an item is being served, by the worker or by tryRun
}

func newQueue() *queue { return &queue{wake: make(chan struct{}, 1)} }

func (q *queue) push(fn func()) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	q.items = append(q.items, fn)
	q.mu.Unlock()
	q.signal()
}

// signal wakes the worker, unless a wake-up is pending already.
func (q *queue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.items = nil
	q.mu.Unlock()
}

func (q *queue) run(ctx context.Context) {
	for {
		q.mu.Lock()
		if len(q.items) == 0 || q.busy {
			q.mu.Unlock()
			select {
			case <-q.wake:
				continue
			case <-ctx.Done():
				return
			}
		}
		fn := q.items[0]
		q.items[0] = nil
		q.items = q.items[1:]
		q.busy = true
		q.mu.Unlock()
		fn()
		q.mu.Lock()
		q.busy = false
		q.mu.Unlock()
	}
}

// tryRun serves fn at once, on the caller's goroutine, if nothing is queued or being
// served (so that arrival order holds), and reports whether it did. What is pushed
// meanwhile waits for it.
func (q *queue) tryRun(fn func()) bool {
	q.mu.Lock()
	if q.closed || q.busy || len(q.items) > 0 {
		q.mu.Unlock()
		return false
	}
	q.busy = true
	q.mu.Unlock()
	defer func() {
		q.mu.Lock()
		q.busy = false
		waiting := len(q.items) > 0
		q.mu.Unlock()
		if waiting {
			q.signal()
		}
	}()
	fn()
	return true
}

// inflight tracks the requests not yet answered, by id, so $/cancelRequest can cancel
// them whatever form the id takes on the wire.
type inflight struct {
	mu sync.Mutex
	m  map[jsonrpc2.ID]*call
}

type call struct {
	cancel context.CancelFunc
}

func (in *inflight) add(id jsonrpc2.ID, c *call) {
	in.mu.Lock()
	in.m[id] = c
	in.mu.Unlock()
}

func (in *inflight) remove(id jsonrpc2.ID) {
	in.mu.Lock()
	delete(in.m, id)
	in.mu.Unlock()
}

func (in *inflight) cancel(id jsonrpc2.ID) bool {
	in.mu.Lock()
	c, ok := in.m[id]
	in.mu.Unlock()
	if ok {
		c.cancel()
	}
	return ok
}

// requestID decodes the id of $/cancelRequest. Clients send numbers (VS Code,
// Neovim) or strings; protocol.CancelHandler only knows int32 and string and decodes
// numbers as float64, so numeric cancellation silently did nothing there.
func requestID(raw json.RawMessage) (jsonrpc2.ID, bool) {
	var p struct {
		ID json.RawMessage `json:"id"`
	}
	if err := json.Unmarshal(raw, &p); err != nil || len(p.ID) == 0 || string(p.ID) == "null" {
		return jsonrpc2.ID{}, false
	}
	return parseID(p.ID)
}

// handle is the connection's handler: it runs on the read loop and must not block.
func (s *session) handle(_ context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
	if req.Method() == "$/cancelRequest" {
		if id, ok := requestID(req.Params()); ok {
			if s.inflight.cancel(id) {
				s.logger().Debug("cancel", zap.Any("id", id))
			}
		} else {
			s.logger().Warn("$/cancelRequest without a usable id", zap.ByteString("params", req.Params()))
		}
		return nil // a notification: nothing to answer
	}
	if req.Method() == "exit" {
		// Served here, not queued: the client sends exit only after shutdown was
		// answered, and a handler stuck in the queue must not keep the process alive.
		s.exitNotification()
		return nil
	}
	ctx := s.ctx
	var r *replier
	if c, ok := req.(*jsonrpc2.Call); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		s.inflight.add(c.ID(), &call{cancel: cancel})
		r = &replier{s: s, id: c.ID(), method: req.Method(), reply: reply, cancel: cancel, isCall: true}
	} else {
		r = &replier{s: s, method: req.Method(), reply: reply}
	}
	if servedAtOnce[req.Method()] && s.frames != nil {
		// On the read loop when nothing is queued: waking the queue's worker for each
		// request was most of a trivial request's time in the server, and its tail
		// (BenchmarkContextVSCode, floor). The answer is written from here too,
		// guarded against a client that does not read (inbox.go).
		r.inline = true
		if s.queue.tryRun(func() { s.serve(ctx, r, req) }) {
			return nil
		}
		r.inline = false
	}
	fn := func() { s.serve(ctx, r, req) }
	if req.Method() == "textDocument/didClose" {
		fn = func() {
			s.serve(ctx, r, req)
			// The copies of a huge document (the message, the text, its parse) are
			// garbage now; an idle server would not collect them for minutes, and
			// the runtime would keep their pages. On the outbox, after what the close
			// published, so nothing queued there still holds them.
			if bigMessage.Swap(false) {
				s.outbox.push(debug.FreeOSMemory)
			}
		}
	}
	s.queue.push(fn)
	return nil
}

// servedAtOnce are the methods served on the read loop when nothing is queued
// (queue.tryRun): they read the current snapshot only, never call the client (whose
// answer only the read loop could read) and are answered in milliseconds; an answer
// that must wait for an index is answered from a goroutine of its own (later).
var servedAtOnce = map[string]bool{"textDocument/hover": true, "airules/context": true}

// replier answers one request exactly once, always with a real JSON-RPC error code.
type replier struct {
	s      *session
	id     jsonrpc2.ID
	method string
	reply  jsonrpc2.Replier
	cancel context.CancelFunc
	isCall bool
	inline bool // served on the read loop: its answer is written from there

	mu   sync.Mutex
	done bool
}

// codeRequestCancelled is LSP's RequestCancelled.
const codeRequestCancelled jsonrpc2.Code = -32800

// codeRequestFailed is LSP's RequestFailed (3.17): the request was valid but failed.
const codeRequestFailed jsonrpc2.Code = -32803

// answered reports whether the request got its answer.
func (r *replier) answered() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.done
}

// Reply is the jsonrpc2.Replier handed to handlers.
func (r *replier) Reply(ctx context.Context, result any, err error) error {
	r.mu.Lock()
	if r.done {
		r.mu.Unlock()
		r.s.logger().Error("second reply dropped", zap.String("method", r.method))
		return nil
	}
	r.done = true
	r.mu.Unlock()
	if fr, ok := result.(*fresh); ok && fr.keep != nil {
		defer fr.keep()
	}
	if r.isCall {
		r.s.inflight.remove(r.id)
		if ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled) {
			// The client cancelled: it wants -32800, whatever the handler produced.
			result, err = nil, jsonrpc2.NewError(codeRequestCancelled, "request cancelled")
		}
		defer r.cancel()
	}
	if r.inline && r.isCall {
		if err == nil {
			result = encodedHere(result)
		}
		defer r.s.frames.guardWrite(resultSize(result, err))()
	}
	err = wireError(err)
	if err != nil && r.isCall {
		r.s.logger().Debug("request failed", zap.String("method", r.method), zap.Error(err))
	}
	if err == nil && r.writeOwn(result) {
		return nil
	}
	// The write must not be cancelled with the request: use a fresh context.
	if werr := r.reply(context.Background(), result, err); werr != nil {
		r.s.logger().Debug("reply not sent", zap.String("method", r.method), zap.Error(werr))
	}
	return nil
}

// encodedHere encodes a result this server has not encoded yet, as jsonrpc2 would
// (segmentio's Marshal), so that its size is known before it is written (guardWrite);
// a result that does not encode is left to jsonrpc2, which reports the error.
func encodedHere(result any) any {
	switch result.(type) {
	case *fresh, packed:
		return result
	}
	body, err := segjson.Marshal(result)
	if err != nil {
		return result
	}
	return &fresh{body: body}
}

// resultSize is the size of an answer's result when it is known before it is encoded
// (one this server encoded itself), -1 otherwise.
func resultSize(result any, err error) int {
	if err != nil {
		return -1
	}
	switch raw := result.(type) {
	case *fresh:
		return len(raw.body)
	case packed:
		if n, err := s2.DecodedLen(raw); err == nil {
			return n
		}
	}
	return -1
}

// writeOwn writes a result this server encoded itself (packed or fresh) to the stream
// as is, and reports whether it did: jsonrpc2 would compact and escape it again, which
// for an airules/context answer costs as much as encoding it.
func (r *replier) writeOwn(result any) bool {
	if !r.isCall || r.s.frames == nil {
		return false
	}
	var err error
	switch raw := result.(type) {
	case packed:
		err = r.s.frames.writeResult(r.id, raw)
	case *fresh:
		err = r.s.frames.writeEncoded(r.id, raw.body)
	default:
		return false
	}
	if err != nil {
		r.s.logger().Debug("reply not sent", zap.String("method", r.method), zap.Error(err))
	}
	return true
}

// wireError gives every error a JSON-RPC code: jsonrpc2 sends other errors with code 0.
func wireError(err error) error {
	if err == nil {
		return nil
	}
	var we *jsonrpc2.Error
	if errors.As(err, &we) {
		if err.Error() != we.Message {
			return jsonrpc2.NewError(we.Code, err.Error())
		}
		return we
	}
	switch {
	case errors.Is(err, context.Canceled):
		return jsonrpc2.NewError(codeRequestCancelled, "request cancelled")
	case strings.HasPrefix(err.Error(), jsonrpc2.ErrParse.Message):
		// protocol.ServerHandler's "parse error" means the params did not decode.
		return jsonrpc2.NewError(jsonrpc2.InvalidParams, "invalid params: "+err.Error())
	}
	return jsonrpc2.NewError(jsonrpc2.InternalError, err.Error())
}
