package server

import (
	"bytes"
	"io"
	"os/exec"
	"sync"
)

// lockedBuffer is a bytes.Buffer safe for a subprocess's writer goroutine.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func execCommand(name string, args ...string) *exec.Cmd { return exec.Command(name, args...) }

// rwc joins a subprocess's stdout and stdin into one connection.
type rwc struct {
	r io.ReadCloser
	w io.WriteCloser
}

func (c rwc) Read(p []byte) (int, error)  { return c.r.Read(p) }
func (c rwc) Write(p []byte) (int, error) { return c.w.Write(p) }
func (c rwc) Close() error {
	_ = c.w.Close()
	return c.r.Close()
}
