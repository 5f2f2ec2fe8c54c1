package index

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkTeamApply applies a bucket of 1,000 team rules read whole (a first sync),
// then one live put, as the watch does: cache write, parse, publish.
func BenchmarkTeamApply(b *testing.B) {
	root, db := teamWorkspace(b)
	ix := open(b, Options{Root: root, DBPath: db, Team: TeamConfig{URL: "nats://127.0.0.1:1"}})
	entries := make([]teamEntry, 1000)
	for i := range entries {
		entries[i] = teamEntry{key: fmt.Sprintf("rules/r%04d", i), rev: uint64(i + 1), created: time.Now(),
			value: []byte(teamRule(fmt.Sprintf("rule %d", i)))}
	}
	rev := uint64(len(entries))
	b.Run("sync-1000", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			for j := range entries {
				rev++
				entries[j].rev = rev
				entries[j].value = []byte(teamRule(fmt.Sprintf("rule %d v%d", j, i)))
			}
			if _, err := ix.applyTeam(entries, true, nil, 1); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(entries)), "ns/rule")
	})
	b.Run("live-put", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			rev++
			e := teamEntry{key: "rules/r0001", rev: rev, created: time.Now(), value: []byte(teamRule(fmt.Sprintf("live %d", i)))}
			if _, err := ix.applyTeam([]teamEntry{e}, false, nil, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
}
