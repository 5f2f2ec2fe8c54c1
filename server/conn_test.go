package server

import (
	"context"
	"encoding/json"
	"runtime"
	"slices"
	"testing"
)

func TestRequestID(t *testing.T) {
	for raw, ok := range map[string]bool{`{"id":7}`: true, `{"id":7.0}`: true, `{"id":"abc"}`: true, `{"id":1.5}`: false, `{}`: false, `{"id":null}`: false, `x`: false} {
		if _, got := requestID(json.RawMessage(raw)); got != ok {
			t.Errorf("requestID(%s) ok = %v, want %v", raw, got, ok)
		}
	}
}

// tryRun serves at once only when nothing is queued or being served, and what is
// pushed meanwhile is served after it, by the worker: arrival order holds.
func TestQueueTryRunKeepsOrder(t *testing.T) {
	q := newQueue()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go q.run(ctx)

	var order []string
	served := make(chan string, 4)
	release := make(chan struct{})
	q.push(func() { <-release; served <- "queued" })
	if q.tryRun(func() { served <- "inline while busy" }) {
		t.Fatal("tryRun served while the worker was busy")
	}
	close(release)
	order = append(order, <-served)

	// The worker has sent its answer but may not have marked itself idle yet.
	for !q.tryRun(func() {
		q.push(func() { served <- "pushed during tryRun" })
		served <- "inline"
	}) {
		runtime.Gosched()
	}
	order = append(order, <-served, <-served)
	if want := []string{"queued", "inline", "pushed during tryRun"}; !slices.Equal(order, want) {
		t.Fatalf("served %v, want %v", order, want)
	}
}
