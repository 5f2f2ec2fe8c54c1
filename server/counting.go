package server

import (
	"fmt"
	"time"
)

// countingProgressMin is the smallest token counting round reported with $/progress:
// smaller ones end before a client could show them.
const countingProgressMin = 2048

// counting follows a folder's background token counting (index.Options.OnCounting),
// from the index's counting goroutine: it records the progress and starts, for a
// large round, the goroutine that reports it.
func (s *session) counting(f *folder, done, total int) {
	f.counting.Store(uint64(done)<<32 | uint64(uint32(total)))
	if done == 0 && !f.countingReported.Load() {
		select { // the end of an earlier round nobody reported
		case <-f.countingEnd:
		default:
		}
	}
	if done == 0 && total >= countingProgressMin && f.countingReported.CompareAndSwap(false, true) {
		s.goSafe("counting progress "+f.root, func() { s.reportCounting(f) })
	}
	if done == total {
		select {
		case f.countingEnd <- struct{}{}:
		default:
		}
	}
}

// reportCounting reports one counting round of f with $/progress, begin to end. The
// token is created with window/workDoneProgress/create, a call to the client, after
// initialized.
func (s *session) reportCounting(f *folder) {
	defer f.countingReported.Store(false)
	select {
	case <-s.initialized:
	case <-s.ctx.Done():
		return
	}
	send, ok := s.newProgress("airules-tokens-")
	if !ok {
		return
	}
	message := func() (string, int) {
		p := f.counting.Load()
		done, total := int(p>>32), int(uint32(p))
		return fmt.Sprintf("%s: %d/%d rules", f.name, done, total), done * 100 / max(total, 1)
	}
	msg, pct := message()
	send(map[string]any{"kind": "begin", "title": "airules: counting tokens", "message": msg, "percentage": pct, "cancellable": false})
	for {
		select {
		case <-f.countingEnd:
			msg, _ := message()
			send(map[string]any{"kind": "end", "message": msg})
			return
		case <-s.ctx.Done():
			return
		case <-time.After(progressInterval):
			msg, pct := message()
			send(map[string]any{"kind": "report", "message": msg, "percentage": pct})
		}
	}
}
