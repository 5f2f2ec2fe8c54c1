package server

import (
	"encoding/json"
	"testing"
)

func TestRequestID(t *testing.T) {
	for raw, ok := range map[string]bool{`{"id":7}`: true, `{"id":7.0}`: true, `{"id":"abc"}`: true, `{"id":1.5}`: false, `{}`: false, `{"id":null}`: false, `x`: false} {
		if _, got := requestID(json.RawMessage(raw)); got != ok {
			t.Errorf("requestID(%s) ok = %v, want %v", raw, got, ok)
		}
	}
}
