package server

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
)

// writeNotifications writes n notifications m0, m1, … of 8 KB each to client from a
// goroutine, as a client that reads nothing until it has written them all, and says
// on the channel when it is done.
func writeNotifications(client io.Writer, n int) <-chan error {
	body := strings.Repeat("x", 8<<10)
	wrote := make(chan error, 1)
	go func() {
		for i := range n {
			msg := fmt.Sprintf(`{"jsonrpc":"2.0","method":"m%d","params":{"pad":%q}}`, i, body)
			if _, err := fmt.Fprintf(client, "Content-Length: %d\r\n\r\n%s", len(msg), msg); err != nil {
				wrote <- err
				return
			}
		}
		wrote <- nil
	}()
	return wrote
}

// The read loop answers a request while the client, which reads nothing until it has
// written everything, sends more than any buffer holds: over net.Pipe (no buffer at
// all) neither side could go on without the drain. Every message then arrives once,
// in order, and so does the answer.
func TestInboxDrainsWhileTheReadLoopWrites(t *testing.T) {
	for _, guarded := range []bool{true, false} {
		t.Run(fmt.Sprintf("guarded=%v", guarded), func(t *testing.T) {
			server, client := net.Pipe()
			defer server.Close()
			defer client.Close()
			f := newFrameStream(server)
			const later = 40
			wrote := writeNotifications(client, later+1)
			answer := make(chan string, 1)
			go func() {
				r := bufio.NewReader(client)
				<-wrote // the client reads only once it has written everything
				var length int
				if _, err := fmt.Fscanf(r, "Content-Length: %d\r\n\r\n", &length); err != nil {
					answer <- err.Error()
					return
				}
				b := make([]byte, length)
				if _, err := io.ReadFull(r, b); err != nil {
					answer <- err.Error()
					return
				}
				answer <- string(b)
			}()

			done := make(chan []string, 1)
			go func() {
				var got []string
				read := func() bool {
					msg, _, err := f.Read(context.Background())
					if err != nil {
						return false
					}
					got = append(got, msg.(*jsonrpc2.Notification).Method())
					return true
				}
				read()
				// As a request served on the read loop answers: a write larger than
				// any buffer, while the client is still writing.
				result := []byte(`"` + strings.Repeat("y", 256<<10) + `"`)
				if guarded {
					defer f.inbox.drainWhile()()
				}
				_ = f.writeEncoded(jsonrpc2.NewNumberID(1), result)
				for len(got) < later+1 && read() {
				}
				done <- got
			}()
			// Unguarded, the two wait on each other for ever: any wait shows it.
			wait := 10 * time.Second
			if !guarded {
				wait = 200 * time.Millisecond
			}
			select {
			case got := <-done:
				if !guarded {
					t.Fatal("without the drain, the read loop's write went through: the test proves nothing")
				}
				for i, m := range got {
					if want := fmt.Sprintf("m%d", i); m != want {
						t.Fatalf("message %d is %s, want %s", i, m, want)
					}
				}
				if len(got) != later+1 {
					t.Fatalf("%d messages, want %d", len(got), later+1)
				}
				if a := <-answer; !strings.Contains(a, `"id":1`) || len(a) < 256<<10 {
					t.Fatalf("answer %.80q…", a)
				}
			case <-time.After(wait):
				if guarded {
					t.Fatal("the read loop and the client wait on each other")
				}
			}
		})
	}
}
