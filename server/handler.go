package server

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.uber.org/zap"
)

// errDeferred is returned by a method that will answer later from a goroutine of its
// own (airules/context while the index opens), so the queue moves on meanwhile.
var errDeferred = errors.New("reply deferred")

// method is a handler of one custom or lifecycle method. Its result or error is the
// answer; notifications' answers are dropped.
type method func(s *session, ctx context.Context, r *replier, params []byte) (any, error)

// methods are served here rather than by protocol.ServerHandler: lifecycle messages
// (initialize decodes strictly there; shutdown refuses "params": null), didChange (its
// content changes lose the difference between "no range" and an insertion at 0:0),
// didChangeWatchedFiles (queued for the reindexer), and the custom requests. exit is
// served on the read loop (conn.go).
var methods = map[string]method{
	"initialize":                      (*session).initialize,
	"initialized":                     (*session).initializedNotification,
	"shutdown":                        (*session).shutdown,
	"textDocument/didChange":          (*session).didChange,
	"workspace/didChangeWatchedFiles": (*session).didChangeWatchedFiles,
	"airules/context":                 (*session).contextRequest,
	"airules/rules":                   (*session).rulesRequest,
}

// standard are the protocol methods this server implements through protocol.Server.
// Everything else is answered method-not-found here: protocol.ServerHandler answers an
// unknown method without params with a parse error.
var standard = map[string]bool{
	"textDocument/didOpen":                true,
	"textDocument/didSave":                true,
	"textDocument/didClose":               true,
	"textDocument/hover":                  true,
	"textDocument/completion":             true,
	"textDocument/codeAction":             true,
	"textDocument/documentSymbol":         true,
	"textDocument/codeLens":               true,
	"textDocument/documentLink":           true,
	"workspace/didChangeConfiguration":    true,
	"workspace/didChangeWorkspaceFolders": true,
}

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
	if m, ok := methods[name]; ok {
		res, err := m(s, ctx, r, req.Params())
		if err == errDeferred {
			deferred = true
			return
		}
		_ = r.Reply(ctx, res, err)
		return
	}
	if m, ok := s.testMethods[name]; ok {
		res, err := m(ctx, req.Params())
		_ = r.Reply(ctx, res, err)
		return
	}
	if standard[name] {
		h := protocol.ServerHandler(s, nil)
		if err := h(ctx, r.Reply, req); err != nil {
			s.logger().Debug("handler error", zap.String("method", name), zap.Error(err))
		}
		return
	}
	if r.isCall {
		_ = r.Reply(ctx, nil, jsonrpc2.Errorf(jsonrpc2.MethodNotFound, "method not found: %s", name))
		return
	}
	// Unknown notifications ($/setTrace, …) are ignored, as the spec asks.
	s.logger().Debug("ignored notification", zap.String("method", name))
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

// decodeParams decodes params into v; a failure is InvalidParams with the reason.
func decodeParams(params []byte, v any) error {
	if len(params) == 0 || string(params) == "null" {
		return jsonrpc2.NewError(jsonrpc2.InvalidParams, "missing params")
	}
	if err := jsonUnmarshal(params, v); err != nil {
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
func (s *session) replyLater(ctx context.Context, r *replier, method string, fn func() (any, error)) {
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
