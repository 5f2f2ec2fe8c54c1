package server

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// TestLogsGoToTheClient: while a client is attached, log lines travel as
// window/logMessage with their severity (an editor shows stderr as errors); before
// initialized they go to the process's own log.
func TestLogsGoToTheClient(t *testing.T) {
	core, local := observer.New(zap.InfoLevel)
	e := start(t, copyExample(t), sessionOptions{logger: zap.New(core), logToClient: true})
	e.waitReady()
	var ready logMessage
	e.rec.waitFor(t, 10*time.Second, "the index-ready log line", func() bool {
		for _, m := range e.rec.logs {
			if strings.HasPrefix(m.Message, "index ready") {
				ready = m
				return true
			}
		}
		return false
	})
	if ready.Type != messageInfo || !strings.Contains(ready.Message, "rules") {
		t.Errorf("index ready sent as %+v, want type %d with its fields", ready, messageInfo)
	}
	if n := local.Len(); n != 0 {
		t.Errorf("%d lines went to the local log while the client was attached: %v", n, local.All())
	}
	e.rec.mu.Lock()
	defer e.rec.mu.Unlock()
	for _, m := range e.rec.logs {
		if m.Type == messageError {
			t.Errorf("an ordinary start logged an error: %+v", m)
		}
	}
}

// TestLogsBeforeAClientGoToTheLocalLog: nothing can reach a client that has not sent
// initialize, or one whose session ended.
func TestLogsBeforeAClientGoToTheLocalLog(t *testing.T) {
	core, local := observer.New(zap.InfoLevel)
	ctx, cancel := context.WithCancel(context.Background())
	s := &session{ctx: ctx}
	log := zap.New(newClientLog(s, core, zap.InfoLevel))
	log.Info("before initialize")
	s.clientAttached.Store(true)
	cancel()
	log.Info("after the session")
	if got := local.Len(); got != 2 {
		t.Errorf("local log has %d lines, want 2: %v", got, local.All())
	}
}
