package main

import (
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progressDelay is how long indexing runs before a progress line appears: a quick run
// stays quiet.
const progressDelay = time.Second

// isTerminal reports whether w is a terminal; progress goes only there, never into a
// pipe, a file or CI's log.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// progressLine shows "indexing rule files" with a count on one line of a terminal once
// indexing has taken progressDelay, and clears it when done.
type progressLine struct {
	mu    sync.Mutex
	w     io.Writer
	now   func() time.Time
	start time.Time
	delay time.Duration
	bar   *progressbar.ProgressBar
}

func newProgressLine(w io.Writer, now func() time.Time, delay time.Duration) *progressLine {
	return &progressLine{w: w, now: now, start: now(), delay: delay}
}

// report is index.Options.Progress: called by the indexing workers, so it locks, and
// the bar throttles its redraws.
func (p *progressLine) report(done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar == nil {
		if done >= total || p.now().Sub(p.start) < p.delay {
			return
		}
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription("indexing rule files"),
			progressbar.OptionShowCount(),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionSetPredictTime(false),
		)
	}
	_ = p.bar.Set(done)
}

// finish clears the line, if one was shown.
func (p *progressLine) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}
