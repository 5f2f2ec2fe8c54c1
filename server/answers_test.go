package server

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/airules/airules/index"
)

// The answer cache keeps what fits its bound, drops answers one by one to fit a new
// one, forgets everything when the snapshot changes, and counts an answer stored twice
// once.
func TestAnswerCache(t *testing.T) {
	s1, s2 := &index.Snapshot{}, &index.Snapshot{}
	key := func(i int) answerKey { return answerKey{uri: "file:///f" + strings.Repeat("x", i)} }
	val := json.RawMessage(strings.Repeat("a", 100))
	a := &answers{max: 350}
	for i := range 3 {
		a.put(s1, key(i), val)
	}
	for i := range 3 {
		if _, ok := a.get(s1, key(i)); !ok {
			t.Fatalf("answer %d lost under the bound", i)
		}
	}
	a.put(s1, key(3), val) // 400 > 350: one goes
	kept := 0
	for i := range 4 {
		if _, ok := a.get(s1, key(i)); ok {
			kept++
		}
	}
	if kept != 3 || a.bytes != 300 {
		t.Fatalf("kept %d answers, %d bytes; want 3 and 300", kept, a.bytes)
	}
	a.put(s1, key(3), val) // again: counted once
	if a.bytes != 300 {
		t.Fatalf("%d bytes after storing an answer twice", a.bytes)
	}
	if _, ok := a.get(s2, key(3)); ok {
		t.Fatal("an answer of another snapshot")
	}
	a.put(s2, key(9), val)
	if _, ok := a.get(s1, key(3)); ok || a.bytes != 100 {
		t.Fatalf("the old snapshot's answers stayed (%d bytes)", a.bytes)
	}
}
