package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
)

func TestServeHelpAndBadFlags(t *testing.T) {
	var out, errb bytes.Buffer
	if code := runServeCmd([]string{"--help"}, nil, &out, &errb); code != 0 || !strings.Contains(out.String(), "--listen") {
		t.Errorf("--help: code %d, output %q", code, out.String())
	}
	if code := runServeCmd([]string{"--log-level", "loud"}, nil, &out, &errb); code != 2 {
		t.Errorf("bad --log-level: code %d", code)
	}
	if code := runServeCmd([]string{"extra"}, nil, &out, &errb); code != 2 {
		t.Errorf("extra argument: code %d", code)
	}
}

// TestServeListen serves one TCP connection on loopback.
func TestServeListen(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	root := t.TempDir()
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- runServeCmd([]string{"--listen", addr, "--log-level", "error"}, nil, &bytes.Buffer{}, &stderr)
	}()
	var c net.Conn
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if c, err = net.Dial("tcp", addr); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("dial %s: %v", addr, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	lspSession(t, ctx, c, root, done, &stderr)
}

// lspSession runs initialize, shutdown and exit over rw against a server whose exit
// code arrives on done, and checks the session ends with 0.
func lspSession(t *testing.T, ctx context.Context, rw io.ReadWriteCloser, root string, done <-chan int, stderr *bytes.Buffer) {
	t.Helper()
	conn := jsonrpc2.NewConn(jsonrpc2.NewStream(rw))
	conn.Go(ctx, func(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
		return reply(ctx, nil, nil)
	})
	var init struct {
		ServerInfo struct{ Name, Version string } `json:"serverInfo"`
	}
	if _, err := conn.Call(ctx, "initialize", map[string]any{"rootUri": "file://" + root, "capabilities": map[string]any{}}, &init); err != nil {
		t.Fatalf("initialize: %v; stderr:\n%s", err, stderr.String())
	}
	if init.ServerInfo.Name != "airules" || init.ServerInfo.Version == "" {
		t.Errorf("serverInfo %+v", init.ServerInfo)
	}
	if _, err := conn.Call(ctx, "shutdown", nil, nil); err != nil {
		t.Fatal(err)
	}
	_ = conn.Notify(ctx, "exit", nil)
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit code %d; stderr:\n%s", code, stderr.String())
		}
	case <-ctx.Done():
		t.Fatal("the server did not exit")
	}
}

// TestServeAcceptsClientFlags starts the server the way vscode-languageclient does
// (it appends --stdio) and as clients passing --clientProcessId do, over pipes.
func TestServeAcceptsClientFlags(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	root := t.TempDir()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- runServeCmd([]string{"--log-level", "error", "--stdio", "--clientProcessId=4242"}, inR, outW, &stderr)
		outW.Close()
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	lspSession(t, ctx, rwc{outR, inW}, root, done, &stderr)
}

type rwc struct {
	io.Reader
	io.WriteCloser
}

// runServeCmd runs `airules serve ARGS...` through the command line's front.
func runServeCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return run(append([]string{"serve"}, args...), stdin, stdout, stderr)
}
