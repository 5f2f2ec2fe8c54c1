package index

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/airules/airules/rules"
)

// ServeTokenCounts is the worker process of a CountWorker: it answers token count
// requests from in on out (countproto.go) until in ends. Urgent requests are counted at
// once, on every core; bulk ones are queued as they come, without bound, and counted
// one at a time in their order on a thread of the idle class, so that a background
// count never takes a core from the editor or the server it serves.
func ServeTokenCounts(in io.Reader, out io.Writer) error {
	// The bulk goroutine holds a P of its own, even while its thread waits for the CPU
	// at its low priority: one more P than cores, so that urgent counts keep every core.
	cores := runtime.NumCPU()
	runtime.GOMAXPROCS(cores + 1)
	rules.LoadTokenizer()
	r := bufio.NewReaderSize(in, 64<<10)
	var wmu sync.Mutex
	var werr error
	reply := func(id uint64, counts []int) {
		frame := appendCountReply(nil, id, counts)
		wmu.Lock()
		defer wmu.Unlock()
		if werr == nil {
			_, werr = out.Write(frame)
		}
	}
	var bulk bulkQueue
	bulk.ready = make(chan struct{}, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		lowerThreadPriority()
		own := rules.NewCounter()
		for {
			j, ok := bulk.take()
			if !ok {
				return
			}
			counts := make([]int, len(j.texts))
			for i, t := range j.texts {
				counts[i] = own.Count(t)
			}
			reply(j.id, counts)
		}
	}()
	defer func() {
		bulk.close()
		wg.Wait()
	}()
	for {
		id, kind, texts, err := readCountRequest(r)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read a count request: %w", err)
		}
		if kind == countBulk {
			bulk.put(countJob{id: id, texts: texts})
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			reply(id, countEach(texts, cores))
		}()
	}
}

type countJob struct {
	id    uint64
	texts []string
}

// A bulkQueue holds the bulk requests not counted yet, in their order: a server sends
// a round's batches without waiting for their answers and lets the worker hold their
// texts (CountWorker.send; the server bounds them, sendWindow), and its urgent requests
// must never wait behind them.
type bulkQueue struct {
	mu     sync.Mutex
	jobs   []countJob
	closed bool
	ready  chan struct{} // signalled when a job is put or the queue closes
}

func (q *bulkQueue) put(j countJob) {
	q.mu.Lock()
	q.jobs = append(q.jobs, j)
	q.mu.Unlock()
	q.signal()
}

func (q *bulkQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.signal()
}

func (q *bulkQueue) signal() {
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// take returns the first job, waiting for one; false once the queue is closed and
// empty.
func (q *bulkQueue) take() (countJob, bool) {
	for {
		q.mu.Lock()
		if len(q.jobs) > 0 {
			j := q.jobs[0]
			q.jobs[0] = countJob{}
			q.jobs = q.jobs[1:]
			if len(q.jobs) == 0 {
				q.jobs = nil // the backing array's texts go with it
			}
			q.mu.Unlock()
			return j, true
		}
		closed := q.closed
		q.mu.Unlock()
		if closed {
			return countJob{}, false
		}
		<-q.ready
	}
}

// countEach counts texts on up to workers goroutines.
func countEach(texts []string, workers int) []int {
	counts := make([]int, len(texts))
	eachOn(len(texts), workers, func() func(int) {
		return func(i int) { counts[i] = rules.CountTokens(texts[i]) }
	})
	return counts
}
