// Package server is the airules language server: LSP over JSON-RPC 2.0 on
// go.lsp.dev/protocol and go.lsp.dev/jsonrpc2. It opens one index per workspace folder,
// publishes the problems of every rule file as diagnostics, overlays open rule buffers
// on the disk so unsaved edits count at once, and answers hover, completion, code
// actions, symbols and code lenses, plus the custom requests airules/context and
// airules/rules. Handlers only read immutable index snapshots; indexing, watching and
// every call to the client run in goroutines of their own.
//
// The handler chain works around the known traps of the jsonrpc2 v0.10 stack (see
// conn.go): cancellation with numeric ids, error codes, panics, strict decoding of
// initialize and didChange, and calls to the client from inside a handler.
package server
