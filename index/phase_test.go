package index

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/zap"
)

// TestPhases logs where the time of a cold and a warm start of 10,000 rules goes, with
// the index's debug log: AIRULES_PHASES=1 go test -run TestPhases -v ./index
func TestPhases(t *testing.T) {
	if os.Getenv("AIRULES_PHASES") == "" {
		t.Skip("set AIRULES_PHASES=1")
	}
	root := genWorkspace(t, 10000)
	db := filepath.Join(t.TempDir(), "index.db")
	log, _ := zap.NewDevelopment()
	for i := range 4 {
		kind := "warm"
		if i%2 == 0 {
			os.Remove(db)
			kind = "cold"
		}
		start := time.Now()
		ix, err := Open(context.Background(), Options{Root: root, DBPath: db, Logger: log})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s open: %v", kind, time.Since(start))
		ix.Close()
	}
}
