package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/klauspost/compress/s2"

	segjson "github.com/segmentio/encoding/json"
	"go.lsp.dev/jsonrpc2"
	"go.uber.org/zap"
)

// tolerantStream answers a message that is not valid JSON-RPC instead of failing the
// whole connection (jsonrpc2 closes the connection on any read error), as JSON-RPC 2.0
// asks: -32700 for a body that is not JSON, -32600 for anything else that cannot be
// dispatched (with id null when the id cannot be read), and one -32600 for a batch:
// LSP has no batches, so they are refused whole. A malformed answer to one of our own
// calls is only logged: there is nobody to answer. Framing errors and I/O errors still
// end the connection: after those the stream cannot be trusted.
type tolerantStream struct {
	*frameStream
	log func() *zap.Logger
}

// newTolerantStream frames rwc, refusing messages over maxMessage bytes (0: the
// default, DefaultMaxMessageSize).
func newTolerantStream(rwc io.ReadWriteCloser, maxMessage int64, log func() *zap.Logger) tolerantStream {
	f := newFrameStream(rwc)
	if maxMessage > 0 {
		f.max = maxMessage
	}
	return tolerantStream{f, log}
}

func (t tolerantStream) Read(ctx context.Context) (jsonrpc2.Message, int64, error) {
	for {
		msg, n, err := t.frameStream.Read(ctx)
		if err == nil || msg != nil {
			return msg, n, err
		}
		var bad *badMessage
		switch {
		case errors.As(err, &bad):
			t.log().Warn("refusing a message that is not valid JSON-RPC", zap.Error(err), zap.Int64("bytes", n))
			if bad.answer {
				if werr := t.writeError(bad.id, bad.code, bad.msg); werr != nil {
					return nil, n, werr
				}
			}
		case isDecodeError(err):
			t.log().Warn("skipping a message that is not valid JSON-RPC", zap.Error(err))
		default:
			return msg, n, err
		}
	}
}

func isDecodeError(err error) bool {
	return errors.Is(err, errMalformed) || errors.Is(err, jsonrpc2.ErrInvalidRequest) ||
		strings.Contains(err.Error(), "unmarshaling jsonrpc message")
}

// badMessage is a message that was framed correctly but cannot be dispatched.
type badMessage struct {
	code   jsonrpc2.Code
	id     *jsonrpc2.ID // nil: the id is missing or unusable, answered as null
	msg    string
	answer bool // false for a malformed answer to one of our calls
}

func (e *badMessage) Error() string { return e.msg }
func (e *badMessage) Unwrap() error { return errMalformed }

func invalid(id *jsonrpc2.ID, format string, args ...any) *badMessage {
	return &badMessage{code: jsonrpc2.InvalidRequest, id: id, msg: "invalid request: " + fmt.Sprintf(format, args...), answer: true}
}

// DefaultMaxMessageSize bounds one JSON-RPC message when Options.MaxMessageSize is 0.
const DefaultMaxMessageSize = 64 << 20

// frameStream frames messages itself, both ways.
//
// Writing: jsonrpc2 encodes an answer three times over (the result, then the response
// around it, then the response again as a json.Marshaler, each pass re-compacting the
// result) and writes header and body separately. Here the result, already encoded
// once by jsonrpc2.NewResponse, is framed as is, in one write: the answer to
// airules/context is tens of kilobytes. jsonrpc2 serialises writes: no lock needed.
//
// Reading: jsonrpc2.DecodeMessage allocates a 32 KB decoder buffer for every message,
// so each keystroke's didChange left 32 KB of garbage and GC cycles over the index's
// heap came every few dozen requests. Here the envelope is decoded with
// encoding/json and the message rebuilt with jsonrpc2's constructors.
type frameStream struct {
	rwc   io.ReadWriteCloser
	raw   syscall.RawConn // rwc's descriptor, for writeRoom; nil without one
	inbox *inbox          // under in: drained while the read loop's write is blocked
	in    *bufio.Reader
	max   int64 // largest body read; a larger one is skipped unread

	// wmu serialises writes: jsonrpc2's (it holds its own lock) with the error
	// answers tolerantStream writes from the read loop.
	wmu      sync.Mutex
	buf      []byte
	unpacked []byte // a packed answer, unpacked before framing
}

func newFrameStream(rwc io.ReadWriteCloser) *frameStream {
	in := newInbox(rwc)
	// buf starts at the size of an airules/context answer, which the first one would
	// otherwise grow it to through every size.
	f := &frameStream{rwc: rwc, inbox: in, in: bufio.NewReader(in), max: DefaultMaxMessageSize, buf: make([]byte, 0, 64<<10)}
	if c, ok := rwc.(syscall.Conn); ok {
		if raw, err := c.SyscallConn(); err == nil {
			f.raw = raw
		}
	}
	return f
}

// guardWrite guards a write of about n bytes (n < 0: unknown) that the read loop is
// about to make (inbox.drainWhile), unless the kernel says it goes through at once
// (writeRoom), the usual case: arming the guard costs a timer, and a timer woke
// another thread, once per answer (BenchmarkContextVSCode under perf stat: several
// hundred context switches more in a session of 600 requests). done disarms it.
func (f *frameStream) guardWrite(n int) (done func()) {
	if n >= 0 && f.raw != nil && writeRoom(f.raw, n+frameOverhead) {
		return noGuard
	}
	return f.inbox.drainWhile()
}

func noGuard() {}

// frameOverhead bounds what framing adds to a result: the header, the envelope, the id.
const frameOverhead = 256

// bigMessage is set when a message over bigMessageSize was read: once the session has
// let go of it (didClose), the memory is handed back to the OS (see conn.go).
var bigMessage atomic.Bool

const bigMessageSize = 8 << 20

func (f *frameStream) Close() error { return f.rwc.Close() }

// errMalformed marks a message that was framed correctly but is not JSON-RPC: the
// stream goes on after it (tolerantStream).
var errMalformed = errors.New("malformed JSON-RPC message")

func (f *frameStream) Read(ctx context.Context) (jsonrpc2.Message, int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	var total int64
	length := int64(-1)
	for {
		line, err := f.in.ReadString('\n')
		total += int64(len(line))
		if err != nil {
			return nil, total, fmt.Errorf("reading a header: %w", err)
		}
		line = strings.TrimSpace(line)
		if line == "" {
			break
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, total, fmt.Errorf("invalid header line %q", line)
		}
		if strings.EqualFold(strings.TrimSpace(name), "Content-Length") {
			n, err := strconv.ParseInt(strings.TrimSpace(value), 10, 32)
			if err != nil || n <= 0 {
				return nil, total, fmt.Errorf("invalid Content-Length %q", value)
			}
			length = n
		}
	}
	if length < 0 {
		return nil, total, errors.New("missing Content-Length header")
	}
	if length > f.max {
		// Skipped as it arrives, never held: the declared length reserves nothing.
		n, err := io.CopyN(io.Discard, f.in, length)
		total += n
		if err != nil {
			return nil, total, fmt.Errorf("skipping a body: %w", err)
		}
		return nil, total, invalid(nil, "message of %d bytes is over the %d byte limit", length, f.max)
	}
	data, err := readBody(f.in, length)
	if err != nil {
		return nil, total, fmt.Errorf("reading a body: %w", err)
	}
	total += length
	if length > bigMessageSize {
		bigMessage.Store(true)
	}
	msg, err := decodeMessage(data)
	return msg, total, err
}

// readBody reads a body of length bytes. A large one grows with what arrives, so a
// Content-Length that is never sent reserves no memory.
func readBody(r io.Reader, length int64) ([]byte, error) {
	const chunk = 1 << 20
	if length <= chunk {
		data := make([]byte, length)
		_, err := io.ReadFull(r, data)
		return data, err
	}
	var b bytes.Buffer
	b.Grow(chunk)
	n, err := b.ReadFrom(io.LimitReader(r, length))
	if err == nil && n < length {
		err = io.ErrUnexpectedEOF
	}
	return b.Bytes(), err
}

// decodeMessage is jsonrpc2.DecodeMessage without its 32 KB buffer: the same decoder
// (segmentio's, fast on large answers) used through Unmarshal rather than a Decoder.
// A message that cannot be dispatched is a *badMessage saying how to answer it.
func decodeMessage(data []byte) (jsonrpc2.Message, error) {
	body := bytes.TrimLeft(data, " \t\r\n")
	if !segjson.Valid(body) {
		return nil, &badMessage{code: jsonrpc2.ParseError, msg: "parse error: the body is not JSON", answer: true}
	}
	if len(body) > 0 && body[0] == '[' {
		return nil, invalid(nil, "batches are not supported")
	}
	var env struct {
		Version string             `json:"jsonrpc"`
		ID      segjson.RawMessage `json:"id"`
		Method  *string            `json:"method"`
		Params  segjson.RawMessage `json:"params"`
		Result  segjson.RawMessage `json:"result"`
		Error   *struct {
			Code    jsonrpc2.Code `json:"code"`
			Message string        `json:"message"`
		} `json:"error"`
	}
	if body[0] != '{' {
		return nil, invalid(nil, "a message is a JSON object")
	}
	hasID := false
	var id jsonrpc2.ID
	var idp *jsonrpc2.ID // the id to answer with, when usable
	if err := segjson.Unmarshal(body, &env); err != nil {
		// A member of the wrong type; answer with the id if that one is fine.
		var only struct {
			ID segjson.RawMessage `json:"id"`
		}
		if segjson.Unmarshal(body, &only) == nil && len(only.ID) > 0 {
			if id, ok := parseID(json.RawMessage(only.ID)); ok {
				idp = &id
			}
		}
		_ = err
		return nil, invalid(idp, "a member has the wrong type: method must be a string, params an object or an array")
	}
	isAnswer := env.Method == nil && (len(env.Result) > 0 || env.Error != nil)
	if len(env.ID) > 0 && string(env.ID) != "null" {
		var ok bool
		if id, ok = parseID(json.RawMessage(env.ID)); !ok {
			bad := invalid(nil, "id %s is neither a string nor a 32-bit integer", env.ID)
			bad.answer = !isAnswer
			return nil, bad
		}
		hasID, idp = true, &id
	}
	if env.Version != jsonrpc2.Version {
		bad := invalid(idp, "jsonrpc is %q, not %q", env.Version, jsonrpc2.Version)
		bad.answer = !isAnswer
		return nil, bad
	}
	var params any
	if len(env.Params) > 0 {
		params = env.Params
	}
	switch {
	case isAnswer && hasID: // an answer to one of our calls
		var rerr error
		if env.Error != nil {
			rerr = jsonrpc2.NewError(env.Error.Code, env.Error.Message)
		}
		var result any
		if len(env.Result) > 0 {
			result = env.Result
		}
		return jsonrpc2.NewResponse(id, result, rerr)
	case isAnswer:
		return nil, &badMessage{msg: "an answer without an id", code: jsonrpc2.InvalidRequest}
	case env.Method == nil:
		return nil, invalid(idp, "neither a method nor an answer")
	case *env.Method == "":
		return nil, invalid(idp, "the method is empty")
	case hasID:
		return jsonrpc2.NewCall(id, *env.Method, params)
	}
	return jsonrpc2.NewNotification(*env.Method, params)
}

// packed is a result encoded as JSON by this server (never bytes from a client) and
// compressed with s2, as the answer cache keeps it: the replier unpacks it into the
// frame as is. A prompt is mostly rule text, which packs to a third or less, and
// unpacking costs a small fraction of the round trip (BenchmarkContextStdio).
type packed []byte

// pack packs e into a buffer of its own size; s2 encodes into one of the worst case's
// size, scratch, which is returned for the next answer.
func pack(e, scratch []byte) (packed, []byte) {
	if n := s2.MaxEncodedLen(len(e)); cap(scratch) < n {
		scratch = make([]byte, n)
	}
	enc := s2.Encode(scratch[:cap(scratch)], e)
	return bytes.Clone(enc), enc
}

// MarshalJSON makes a packed result usable where the replier is bypassed (tests
// calling handlers directly).
func (p packed) MarshalJSON() ([]byte, error) { return s2.Decode(nil, p) }

// fresh is a result this server has just encoded (never bytes from a client): the
// replier frames it as is and only then calls keep, if set, which packs it for the
// answer cache, so that packing is not on the request's path. keep runs once, after
// the answer is written or dropped.
type fresh struct {
	body []byte
	keep func()
}

// MarshalJSON makes a fresh result usable where the replier is bypassed (tests
// calling handlers directly).
func (r *fresh) MarshalJSON() ([]byte, error) { return bytes.Clone(r.body), nil }

// writeEncoded answers the call id with a result encoded by this server, framed as is.
func (f *frameStream) writeEncoded(id jsonrpc2.ID, body []byte) error {
	idJSON, err := id.MarshalJSON()
	if err != nil {
		return err
	}
	f.wmu.Lock()
	defer f.wmu.Unlock()
	return f.frameResult(idJSON, body)
}

// frameResult writes the response of id (idJSON) with the encoded result body, with
// wmu held.
func (f *frameStream) frameResult(idJSON, body []byte) error {
	_, err := f.writeFramed([]byte(`{"jsonrpc":"2.0","result":`), body, []byte(`,"id":`), idJSON, []byte("}"))
	return err
}

// writeResult answers the call id with a packed result, unpacked and framed in the
// stream's own buffers: a cached answer costs no allocation of its size.
func (f *frameStream) writeResult(id jsonrpc2.ID, result packed) error {
	idJSON, err := id.MarshalJSON()
	if err != nil {
		return err
	}
	f.wmu.Lock()
	defer f.wmu.Unlock()
	n, err := s2.DecodedLen(result)
	if err != nil {
		return fmt.Errorf("unpack answer: %w", err)
	}
	if cap(f.unpacked) < n {
		f.unpacked = make([]byte, n)
	}
	body, err := s2.Decode(f.unpacked[:n], result)
	if err != nil {
		return fmt.Errorf("unpack answer: %w", err)
	}
	if cap(f.unpacked) > 1<<20 {
		f.unpacked = nil // as writeFramed does with buf
	}
	return f.frameResult(idJSON, body)
}

// writeError answers a message that could not be dispatched; id nil is null.
func (f *frameStream) writeError(id *jsonrpc2.ID, code jsonrpc2.Code, message string) error {
	idJSON := []byte("null")
	if id != nil {
		var err error
		if idJSON, err = id.MarshalJSON(); err != nil {
			return err
		}
	}
	ej, err := json.Marshal(struct {
		Code    jsonrpc2.Code `json:"code"`
		Message string        `json:"message"`
	}{code, message})
	if err != nil {
		return err
	}
	body := append(append(append(append([]byte(`{"jsonrpc":"2.0","error":`), ej...), `,"id":`...), idJSON...), '}')
	f.wmu.Lock()
	defer f.wmu.Unlock()
	_, err = f.writeFramed(body)
	return err
}

// parseID reads a request id: an integer (jsonrpc2 holds int32) or a string.
func parseID(raw json.RawMessage) (jsonrpc2.ID, bool) {
	var f float64
	if err := json.Unmarshal(raw, &f); err == nil {
		if f != float64(int32(f)) {
			return jsonrpc2.ID{}, false
		}
		return jsonrpc2.NewNumberID(int32(f)), true
	}
	var str string
	if err := json.Unmarshal(raw, &str); err == nil {
		return jsonrpc2.NewStringID(str), true
	}
	return jsonrpc2.ID{}, false
}

func (f *frameStream) Write(ctx context.Context, msg jsonrpc2.Message) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var body []byte
	var err error
	switch m := msg.(type) {
	case *jsonrpc2.Response:
		body, err = encodeResponse(m)
	case json.Marshaler:
		body, err = m.MarshalJSON()
	default:
		body, err = json.Marshal(msg)
	}
	if err != nil {
		return 0, fmt.Errorf("encoding message: %w", err)
	}
	f.wmu.Lock()
	defer f.wmu.Unlock()
	n, err := f.writeFramed(body)
	return int64(n), err
}

// writeFramed writes one body, given in parts, with its header, in one write; the
// caller holds wmu.
func (f *frameStream) writeFramed(body ...[]byte) (int, error) {
	n := 0
	for _, part := range body {
		n += len(part)
	}
	f.buf = append(f.buf[:0], "Content-Length: "...)
	f.buf = strconv.AppendInt(f.buf, int64(n), 10)
	f.buf = append(f.buf, "\r\n\r\n"...)
	for _, part := range body {
		f.buf = append(f.buf, part...)
	}
	n, err := f.rwc.Write(f.buf)
	if cap(f.buf) > 1<<20 {
		f.buf = nil // do not pin one huge answer's buffer for the session
	}
	if err != nil {
		return n, fmt.Errorf("write to stream: %w", err)
	}
	return n, nil
}

// encodeResponse frames a response around its already encoded result.
func encodeResponse(r *jsonrpc2.Response) ([]byte, error) {
	id := r.ID()
	idJSON, err := id.MarshalJSON()
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, len(r.Result())+64)
	b = append(b, `{"jsonrpc":"2.0",`...)
	if e := r.Err(); e != nil {
		var we *jsonrpc2.Error
		if !errors.As(wireError(e), &we) {
			we = jsonrpc2.NewError(jsonrpc2.InternalError, e.Error())
		}
		ej, err := json.Marshal(struct {
			Code    jsonrpc2.Code   `json:"code"`
			Message string          `json:"message"`
			Data    json.RawMessage `json:"data,omitempty"`
		}{we.Code, we.Message, rawData(we)})
		if err != nil {
			return nil, err
		}
		b = append(append(b, `"error":`...), ej...)
	} else {
		res := r.Result()
		if len(res) == 0 {
			res = []byte("null")
		}
		b = append(append(b, `"result":`...), res...)
	}
	b = append(append(b, `,"id":`...), idJSON...)
	return append(b, '}'), nil
}

func rawData(e *jsonrpc2.Error) json.RawMessage {
	if e.Data == nil {
		return nil
	}
	return json.RawMessage(*e.Data)
}
