// Package editors holds the editor clients of airules — the VS Code extension in
// vscode/ and the Neovim plugin in nvim/ — and the Go tests that run each of them
// against a freshly built airules binary, so `go test ./...` covers the clients too.
package editors
