package server

import (
	"context"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
)

// socketPair returns the two ends of a Unix stream socketpair, as node and libuv give
// a child for its standard input and output.
func socketPair(t *testing.T) (*os.File, *os.File) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	a, b := os.NewFile(uintptr(fds[0]), "a"), os.NewFile(uintptr(fds[1]), "b")
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

func rawConn(t *testing.T, c syscall.Conn) syscall.RawConn {
	t.Helper()
	raw, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// writeRoom says a write goes through at once only when everything written before was
// read and the write fits the socket's or the pipe's buffer; on anything else it
// cannot tell.
func TestWriteRoom(t *testing.T) {
	sock, peer := socketPair(t)
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	file, err := os.Create(t.TempDir() + "/out")
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer tcp.Close()

	for _, tt := range []struct {
		name string
		w    syscall.Conn
		n    int
		want bool
	}{
		{"socket, nothing unread, an answer", sock, 64 << 10, true},
		{"socket, more than half its buffer", sock, 8 << 20, false},
		{"pipe, nothing unread, a small answer", pw, 16 << 10, true},
		{"pipe, more than it holds", pw, 1 << 20, false},
		{"regular file", file, 10, false},
		{"listening socket", tcp.(*net.TCPListener), 10, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := writeRoom(rawConn(t, tt.w), tt.n); got != tt.want {
				t.Errorf("writeRoom(%d) = %v, want %v", tt.n, got, tt.want)
			}
		})
	}

	// Written and not read yet: the next write may wait for the peer.
	if _, err := sock.Write([]byte("unread")); err != nil {
		t.Fatal(err)
	}
	if writeRoom(rawConn(t, sock), 10) {
		t.Error("socket with unread bytes: writeRoom says a write goes through")
	}
	buf := make([]byte, 16)
	if _, err := peer.Read(buf); err != nil {
		t.Fatal(err)
	}
	if !writeRoom(rawConn(t, sock), 10) {
		t.Error("socket read to the end: writeRoom says a write may wait")
	}
	if _, err := pw.Write([]byte("unread")); err != nil {
		t.Fatal(err)
	}
	if writeRoom(rawConn(t, pw), 10) {
		t.Error("pipe with unread bytes: writeRoom says a write goes through")
	}
}

// Over a socket, as editors connect: a write that goes through at once is not guarded
// (no timer), one that may wait is, and the guard still keeps a client that writes
// before it reads from waiting on the read loop for ever.
func TestGuardWriteOverASocket(t *testing.T) {
	server, client := socketPair(t)
	f := newFrameStream(server)
	armed := f.inbox.armed.Load()
	f.guardWrite(1 << 10)()
	if got := f.inbox.armed.Load(); got != armed {
		t.Fatalf("a small write with nothing unread was guarded (%d guards)", got-armed)
	}
	f.guardWrite(-1)()
	if got := f.inbox.armed.Load(); got != armed+1 {
		t.Fatalf("a write of unknown size was not guarded")
	}

	// The client writes more than the socket holds before it reads anything; the read
	// loop, having read the first message, answers with more than the socket holds.
	const later = 40
	wrote := writeNotifications(client, later+1)
	answer := make(chan int, 1)
	go func() {
		<-wrote
		n, _ := io.Copy(io.Discard, io.LimitReader(client, 512<<10))
		answer <- int(n)
	}()
	done := make(chan int, 1)
	go func() {
		n := 0
		if _, _, err := f.Read(context.Background()); err == nil {
			n++
		}
		result := []byte(`"` + strings.Repeat("y", 512<<10) + `"`)
		func() {
			defer f.guardWrite(len(result))()
			_ = f.writeEncoded(jsonrpc2.NewNumberID(1), result)
		}()
		for n < later+1 {
			if _, _, err := f.Read(context.Background()); err != nil {
				break
			}
			n++
		}
		done <- n
	}()
	select {
	case n := <-done:
		if n != later+1 {
			t.Fatalf("%d messages read, want %d", n, later+1)
		}
		if got := <-answer; got < 512<<10 {
			t.Fatalf("the client read %d bytes of the answer", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the read loop and the client wait on each other")
	}
}
