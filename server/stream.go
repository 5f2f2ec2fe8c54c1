package server

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	segjson "github.com/segmentio/encoding/json"
	"go.lsp.dev/jsonrpc2"
	"go.uber.org/zap"
)

// tolerantStream skips a message that is not valid JSON-RPC instead of failing the
// whole connection (jsonrpc2 closes the connection on any read error). Framing errors
// and I/O errors still end it: after those the stream cannot be trusted.
type tolerantStream struct {
	jsonrpc2.Stream
	log func() *zap.Logger
}

func (t tolerantStream) Read(ctx context.Context) (jsonrpc2.Message, int64, error) {
	for {
		msg, n, err := t.Stream.Read(ctx)
		if err != nil && msg == nil && isDecodeError(err) {
			t.log().Warn("skipping a message that is not valid JSON-RPC", zap.Error(err))
			continue
		}
		return msg, n, err
	}
}

func isDecodeError(err error) bool {
	return errors.Is(err, errMalformed) || errors.Is(err, jsonrpc2.ErrInvalidRequest) ||
		strings.Contains(err.Error(), "unmarshaling jsonrpc message")
}

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
	rwc io.ReadWriteCloser
	in  *bufio.Reader
	buf []byte
}

func newFrameStream(rwc io.ReadWriteCloser) *frameStream {
	return &frameStream{rwc: rwc, in: bufio.NewReader(rwc)}
}

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
	data := make([]byte, length)
	if _, err := io.ReadFull(f.in, data); err != nil {
		return nil, total, fmt.Errorf("reading a body: %w", err)
	}
	total += length
	msg, err := decodeMessage(data)
	return msg, total, err
}

// decodeMessage is jsonrpc2.DecodeMessage without its 32 KB buffer: the same decoder
// (segmentio's, fast on large answers) used through Unmarshal rather than a Decoder.
func decodeMessage(data []byte) (jsonrpc2.Message, error) {
	var env struct {
		Version string             `json:"jsonrpc"`
		ID      segjson.RawMessage `json:"id"`
		Method  string             `json:"method"`
		Params  segjson.RawMessage `json:"params"`
		Result  segjson.RawMessage `json:"result"`
		Error   *struct {
			Code    jsonrpc2.Code `json:"code"`
			Message string        `json:"message"`
		} `json:"error"`
	}
	if err := segjson.Unmarshal(data, &env); err != nil {
		return nil, fmt.Errorf("%w: %v", errMalformed, err)
	}
	if env.Version != jsonrpc2.Version {
		return nil, fmt.Errorf("%w: jsonrpc is %q, not %q", errMalformed, env.Version, jsonrpc2.Version)
	}
	hasID := len(env.ID) > 0 && string(env.ID) != "null"
	var id jsonrpc2.ID
	if hasID {
		var ok bool
		if id, ok = parseID(json.RawMessage(env.ID)); !ok {
			return nil, fmt.Errorf("%w: unusable id %s", errMalformed, env.ID)
		}
	}
	var params any
	if len(env.Params) > 0 {
		params = env.Params
	}
	switch {
	case env.Method == "" && hasID: // an answer to one of our calls
		var rerr error
		if env.Error != nil {
			rerr = jsonrpc2.NewError(env.Error.Code, env.Error.Message)
		}
		var result any
		if len(env.Result) > 0 {
			result = env.Result
		}
		return jsonrpc2.NewResponse(id, result, rerr)
	case env.Method == "":
		return nil, fmt.Errorf("%w: neither a method nor an id", errMalformed)
	case hasID:
		return jsonrpc2.NewCall(id, env.Method, params)
	}
	return jsonrpc2.NewNotification(env.Method, params)
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
	f.buf = append(f.buf[:0], "Content-Length: "...)
	f.buf = strconv.AppendInt(f.buf, int64(len(body)), 10)
	f.buf = append(f.buf, "\r\n\r\n"...)
	f.buf = append(f.buf, body...)
	n, err := f.rwc.Write(f.buf)
	if cap(f.buf) > 1<<20 {
		f.buf = nil // do not pin one huge answer's buffer for the session
	}
	if err != nil {
		return int64(n), fmt.Errorf("write to stream: %w", err)
	}
	return int64(n), nil
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
