package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/airules/airules/server/wire"
)

var updateFormats = flag.Bool("update", false, "rewrite the golden files under testdata/")

const mixed = "../../testdata/formats/mixed"

// A workspace with every format: `context --explain` gives one order, the same warm or
// cold, and the JSON result has the same rules in the same order.
func TestContextExplainMixedFormats(t *testing.T) {
	file := filepath.Join(mixed, "apps/web/src/App.tsx")
	code, cold, errs := runCLI(t, "context", "--root", mixed, "--no-cache", "--explain", file)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	golden := filepath.Join(mixed, "explain.golden")
	if *updateFormats {
		if err := os.WriteFile(golden, []byte(cold), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/airules -run TestContextExplainMixedFormats -update)", err)
	}
	if cold != string(want) {
		t.Errorf("explain differs from %s\n--- got\n%s--- want\n%s", golden, cold, want)
	}
	// The same through the cache, twice (cold then warm).
	cache := t.TempDir()
	for i := range 2 {
		t.Setenv("XDG_CACHE_HOME", cache)
		var out, errb bytes.Buffer
		if code := run([]string{"context", "--root", mixed, "--explain", file}, strings.NewReader(""), &out, &errb); code != 0 || out.String() != cold {
			t.Fatalf("run %d through the cache differs (exit %d, %s):\n%s", i, code, errb.String(), out.String())
		}
	}
	code, js, _ := runCLI(t, "context", "--root", mixed, "--json", file)
	if code != 0 {
		t.Fatalf("json exit %d", code)
	}
	var res wire.ContextResult
	if err := json.Unmarshal([]byte(js), &res); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res.Rules {
		got = append(got, r.ID)
	}
	wantIDs := []string{"00-global/security", "claude-rules/web", "cursor/apps/web/web", "agents/apps/web", "continue/hooks",
		"cursor/react", "copilot/ts", "10-languages/typescript", "cline/01-commits", "cursorrules",
		"copilot/copilot-instructions", "kiro/product", "agents", "gemini", "deps/react"}
	if !slices.Equal(got, wantIDs) {
		t.Errorf("json rules %v\nwant %v", got, wantIDs)
	}
}
