package server

import (
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
	if local.FilterMessage("initialize").Len() != 1 {
		t.Errorf("the initialize line, logged before the client was attached, did not go to the local log: %v", local.All())
	}
	if local.FilterMessage("index ready").Len() != 0 {
		t.Errorf("index ready went to the local log too")
	}
	e.rec.mu.Lock()
	defer e.rec.mu.Unlock()
	for _, m := range e.rec.logs {
		if m.Type == messageError {
			t.Errorf("an ordinary start logged an error: %+v", m)
		}
	}
}
