package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.uber.org/zap"
)

// handler serves one method: it decodes the params and returns the answer (dropped
// for notifications).
type handler func(ctx context.Context, s *session, params json.RawMessage) (any, error)

// request adapts a typed request handler: absent or null params decode as the zero
// value (shutdown, airules/rules), unknown fields are ignored, a params value of the
// wrong shape is InvalidParams with the reason.
func request[P, R any](fn func(*session, context.Context, *P) (R, error)) handler {
	return func(ctx context.Context, s *session, raw json.RawMessage) (any, error) {
		p := new(P)
		if err := decodeLenient(raw, p); err != nil {
			return nil, err
		}
		return fn(s, ctx, p)
	}
}

// notification adapts a typed notification handler.
func notification[P any](fn func(*session, context.Context, *P) error) handler {
	return func(ctx context.Context, s *session, raw json.RawMessage) (any, error) {
		p := new(P)
		if err := decodeLenient(raw, p); err != nil {
			return nil, err
		}
		return nil, fn(s, ctx, p)
	}
}

// noParams stands for the params of methods that take none.
type noParams struct{}

// handlers is the one dispatch table: every method the server serves, request or
// notification, standard or custom. Anything else is answered method-not-found
// (requests) or ignored (notifications, as the spec asks). exit alone is served on the
// read loop, ahead of the queue (conn.go). Each session serves a copy, which tests
// extend with methods of their own.
var handlers = map[string]handler{
	"initialize":                          request((*session).initialize),
	"initialized":                         notification((*session).initializedNotification),
	"shutdown":                            request((*session).shutdown),
	"textDocument/didOpen":                notification((*session).didOpen),
	"textDocument/didChange":              notification((*session).didChange),
	"textDocument/didSave":                notification((*session).didSave),
	"textDocument/didClose":               notification((*session).didClose),
	"textDocument/hover":                  request((*session).hover),
	"textDocument/completion":             request((*session).completion),
	"textDocument/codeAction":             request((*session).codeAction),
	"textDocument/documentSymbol":         request((*session).documentSymbol),
	"textDocument/codeLens":               request((*session).codeLens),
	"textDocument/documentLink":           request((*session).documentLink),
	"workspace/didChangeConfiguration":    notification((*session).didChangeConfiguration),
	"workspace/didChangeWorkspaceFolders": notification((*session).didChangeWorkspaceFolders),
	"workspace/didChangeWatchedFiles":     notification((*session).didChangeWatchedFiles),
	"airules/context":                     request((*session).contextRequest),
	"airules/rules":                       request((*session).rulesRequest),
	"airules/teamRule":                    request((*session).teamRuleRequest), // team.go
}

// later is a result a handler cannot give at once (airules/context while the folder's
// first index is built): serve answers it from a goroutine of its own with what the
// function returns, so the queue moves on meanwhile.
type later func() (any, error)

// serve handles one message on the queue worker: recover, lifecycle checks, dispatch.
func (s *session) serve(ctx context.Context, r *replier, req jsonrpc2.Request) {
	start := time.Now()
	deferred := false
	defer func() {
		if p := recover(); p != nil {
			s.logger().Error("panic in handler", zap.String("method", req.Method()), zap.Any("panic", p),
				zap.ByteString("stack", debug.Stack()))
			_ = r.Reply(ctx, nil, jsonrpc2.Errorf(jsonrpc2.InternalError, "airules: internal error in %s: %v", req.Method(), p))
		}
		if r.isCall && !deferred && !r.answered() {
			// A handler that forgot to answer would leave the client waiting forever.
			_ = r.Reply(ctx, nil, jsonrpc2.Errorf(jsonrpc2.InternalError, "airules: %s produced no answer", req.Method()))
		}
		d := time.Since(start)
		if d > 100*time.Millisecond {
			s.logger().Warn("slow handler", zap.String("method", req.Method()), zap.Duration("took", d))
		} else if ce := s.logger().Check(zap.DebugLevel, "served"); ce != nil {
			ce.Write(zap.String("method", req.Method()), zap.Duration("took", d))
		}
	}()
	if ctx.Err() != nil { // cancelled while queued
		_ = r.Reply(ctx, nil, jsonrpc2.NewError(codeRequestCancelled, "request cancelled"))
		return
	}
	name := req.Method()
	if err := s.checkState(name, r.isCall); err != nil {
		_ = r.Reply(ctx, nil, err)
		return
	}
	ctx = protocol.WithLogger(ctx, s.logger())
	h, ok := s.handlers[name]
	if !ok {
		if r.isCall {
			_ = r.Reply(ctx, nil, jsonrpc2.Errorf(jsonrpc2.MethodNotFound, "method not found: %s", name))
			return
		}
		// Unknown notifications ($/setTrace, …) are ignored, as the spec asks.
		s.logger().Debug("ignored notification", zap.String("method", name))
		return
	}
	res, err := h(ctx, s, req.Params())
	if l, ok := res.(later); ok && err == nil {
		deferred = true
		r.inline = false // answered from another goroutine, while the read loop reads
		s.replyLater(ctx, r, name, l)
		if s.onDeferred != nil {
			s.onDeferred(name)
		}
		return
	}
	if !r.isCall && err != nil {
		s.logger().Debug("notification failed", zap.String("method", name), zap.Error(err))
	}
	_ = r.Reply(ctx, res, err)
}

// checkState enforces the lifecycle: nothing but initialize before it, nothing but
// exit after shutdown.
func (s *session) checkState(method string, isCall bool) error {
	s.mu.Lock()
	st := s.state
	s.mu.Unlock()
	switch {
	case method == "exit":
		return nil
	case st == stateNew && method != "initialize":
		if isCall {
			return jsonrpc2.NewError(jsonrpc2.ServerNotInitialized, fmt.Sprintf("%s before initialize", method))
		}
		return errDrop
	case st != stateNew && method == "initialize":
		return jsonrpc2.NewError(jsonrpc2.InvalidRequest, "initialize was already called")
	case st == stateShutdown:
		if isCall {
			return jsonrpc2.NewError(jsonrpc2.InvalidRequest, fmt.Sprintf("%s after shutdown", method))
		}
		return errDrop
	}
	return nil
}

// errDrop drops a notification (its reply goes nowhere).
var errDrop = errors.New("notification dropped")

// decodeLenient decodes params into v: absent or null params leave v zero; a failure
// is InvalidParams with the reason.
func decodeLenient(params json.RawMessage, v any) error {
	if len(params) == 0 || string(params) == "null" {
		return nil
	}
	if err := json.Unmarshal(params, v); err != nil {
		return jsonrpc2.Errorf(jsonrpc2.InvalidParams, "invalid params: %v", err)
	}
	return nil
}

// goSafe runs fn in a goroutine that ends with the session and survives a panic.
func (s *session) goSafe(name string, fn func()) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer func() {
			if p := recover(); p != nil {
				s.logger().Error("panic in background work", zap.String("task", name), zap.Any("panic", p),
					zap.ByteString("stack", debug.Stack()))
			}
		}()
		fn()
	}()
}

// replyLater answers a request from a goroutine of its own; a panic there is
// answered -32603 like one in a handler.
func (s *session) replyLater(ctx context.Context, r *replier, method string, fn later) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer func() {
			if p := recover(); p != nil {
				s.logger().Error("panic in handler", zap.String("method", method), zap.Any("panic", p),
					zap.ByteString("stack", debug.Stack()))
				_ = r.Reply(ctx, nil, jsonrpc2.Errorf(jsonrpc2.InternalError, "airules: internal error in %s: %v", method, p))
			}
		}()
		res, err := fn()
		_ = r.Reply(ctx, res, err)
	}()
}
