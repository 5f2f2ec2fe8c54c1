package server

import (
	"context"
	"fmt"
	"time"

	"github.com/airules/airules/server/wire"

	"go.uber.org/zap"
)

// progressInterval is how often $/progress reports the count of a folder being indexed.
const progressInterval = 200 * time.Millisecond

// reportProgress reports the first index of every folder with $/progress: begin,
// reports of the rule files read while a folder opens, one report per folder with its
// counts when it is ready, end. It runs in a goroutine after
// initialized; the token is created with window/workDoneProgress/create, which is a
// call to the client and so must never be made from a handler.
func (s *session) reportProgress() {
	s.mu.Lock()
	folders := s.folders
	s.mu.Unlock()
	if len(folders) == 0 {
		return
	}
	send, ok := s.newProgress("airules-index-")
	if !ok {
		return
	}
	send(map[string]any{"kind": "begin", "title": "airules: indexing", "message": fmt.Sprintf("%d %s", len(folders), wire.Plural(len(folders), "folder", "folders")), "percentage": 0, "cancellable": false})
	totalRules := 0
	for i, f := range folders {
		// While the folder opens, report how many of its rule files are read, at most
		// every progressInterval and only when the count moved.
		var last uint64
	wait:
		for {
			select {
			case <-f.ready:
				break wait
			case <-s.ctx.Done():
				return
			case <-time.After(progressInterval):
				p := f.progress.Load()
				if p == last || p == 0 {
					continue
				}
				last = p
				done, total := int(p>>32), int(uint32(p))
				pct := i * 100 / len(folders)
				if total > 0 {
					pct += done * 100 / total / len(folders)
				}
				send(map[string]any{"kind": "report", "message": fmt.Sprintf("%s: %d/%d rule files", f.name, done, total), "percentage": pct})
			}
		}
		msg := f.name + ": failed"
		if ix := f.index(); ix != nil {
			m := ix.Metrics()
			totalRules += m.Rules
			msg = fmt.Sprintf("%s: %d rules, %d files", f.name, m.Rules, m.Files)
		}
		send(map[string]any{"kind": "report", "message": msg, "percentage": (i + 1) * 100 / len(folders)})
	}
	send(map[string]any{"kind": "end", "message": fmt.Sprintf("%d rules indexed", totalRules)})
}

// newProgress creates a work-done progress token, named prefix and a number, with the
// client (window/workDoneProgress/create, a call to the client: never from a handler)
// and returns what sends its $/progress values; ok is false when the client does not
// take progress.
func (s *session) newProgress(prefix string) (send func(map[string]any), ok bool) {
	s.mu.Lock()
	supported := s.caps.workDoneProgress
	s.mu.Unlock()
	if !supported {
		return nil, false
	}
	token := fmt.Sprintf("%s%d", prefix, time.Now().UnixNano())
	ctx, cancel := context.WithTimeout(s.ctx, 30*time.Second)
	_, err := s.conn.Call(ctx, "window/workDoneProgress/create", map[string]any{"token": token}, nil)
	cancel()
	if err != nil {
		s.logger().Debug("no progress token", zap.Error(err))
		return nil, false
	}
	return func(v map[string]any) {
		_ = s.conn.Notify(s.ctx, "$/progress", map[string]any{"token": token, "value": v})
	}, true
}
