package index

import (
	"sync"
	"sync/atomic"
)

// eachOn calls a work function for every i in [0, n), each once, on up to workers
// goroutines that take the next index as they finish one; newWorker makes each
// goroutine's own function (with its own scratch state). With one worker it all runs on
// the caller's goroutine.
func eachOn(n, workers int, newWorker func() func(i int)) {
	if workers = min(workers, n); workers <= 1 {
		work := newWorker()
		for i := range n {
			work(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			work := newWorker()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				work(i)
			}
		}()
	}
	wg.Wait()
}
