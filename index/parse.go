package index

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/airules/airules/rules"
)

// job brings one rule file up to date: restore it from the store, re-stamp it, or read
// and parse it.
type job struct {
	f      found
	prev   *entry       // the entry in memory, if any
	stored *fileRecord  // the stamp in the store (warm start only)
	state  *storedState // what the store held at open (warm start only)

	// results
	rule     *rules.Rule
	tokens   int
	hash     string
	restored bool   // rule came from the store, not from the file
	same     bool   // content unchanged (prev or stored): at most the stamp changed
	err      error  // unreadable: treated as gone
	damaged  bool   // the stored record is damaged
	encoded  string // the rule record, encoded by the worker (JSON is a third of the cost)
}

// stampMatches reports whether a stamp still describes the file seen now. A stamp taken
// within the same instant the file was written is not trusted (see fileRecord.Seen).
func stampMatches(st fileRecord, f found) bool {
	if st.Size != f.size || st.Mtime != f.mtime {
		return false
	}
	const racy = int64(2e9) // coarse filesystem clocks tick in up to 2 s (FAT)
	return st.Seen == 0 || st.Seen-st.Mtime > racy
}

// run does the job; jobs run concurrently, each on its own.
func (j *job) run(parses *atomic.Uint64, buf *[]byte) {
	if j.stored != nil && stampMatches(*j.stored, j.f) && j.restore(j.stored.Hash) {
		return
	}
	if j.f.size > rules.MaxFileSize {
		j.rule = tooLarge(j.f.src, j.f.size)
		j.hash = j.rule.Hash
		j.same = j.prev != nil && j.prev.stamp.Hash == j.hash && j.prev.src == j.f.src
		return
	}
	data, err := j.f.read(buf)
	if err != nil {
		if !j.refused(err) {
			j.err = fmt.Errorf("read %s: %w", j.f.src.Path, err)
		}
		return
	}
	if len(data) > rules.MaxFileSize { // grew since the stat
		j.rule = tooLarge(j.f.src, int64(len(data)))
		j.hash = j.rule.Hash
		return
	}
	j.f.size = int64(len(data))
	if j.prev != nil || j.stored != nil {
		// Hashing first may spare the parse; with nothing to compare to, Parse hashes.
		sum := sha256.Sum256(data)
		j.hash = hex.EncodeToString(sum[:])
		if j.prev != nil && j.prev.stamp.Hash == j.hash && j.prev.src == j.f.src {
			j.same = true
			return
		}
		if j.stored != nil && j.stored.Hash == j.hash && j.restore(j.hash) {
			return
		}
	}
	parses.Add(1)
	j.rule = parseSource(j.f.src, data)
	j.hash = j.rule.Hash
	j.encoded = encodeRule(j.rule, 0)
}

// restore loads the rule from the store when its record matches the source and hash.
func (j *job) restore(hash string) bool {
	rec, body, st := j.state.rule(j.stored.Rule)
	if st == loadDamaged {
		j.damaged = true
		return false
	}
	src := j.f.src
	if st != loadOK || rec.Hash != hash || rec.Path != src.Path || rec.ID != src.ID || rec.Layer != src.Layer.String() ||
		rec.Format != string(src.Format) || rec.Dir != src.Dir {
		return false
	}
	j.rule = restoreRule(src, rec, body)
	j.tokens = rec.Tokens
	j.hash = hash
	j.restored = true
	j.same = true
	return true
}

// progressEvery is how many files pass between two progress calls.
const progressEvery = 64

// runJobs runs jobs on GOMAXPROCS workers: reading and parsing are CPU-bound. progress,
// when not nil, hears how many jobs are done.
func runJobs(jobs []*job, parses *atomic.Uint64, progress func(done, total int)) {
	var done atomic.Int64
	tick := func() {
		if n := int(done.Add(1)); progress != nil && (n%progressEvery == 0 || n == len(jobs)) {
			progress(n, len(jobs))
		}
	}
	workers := min(runtime.GOMAXPROCS(0), len(jobs))
	if workers <= 1 {
		var buf []byte
		for _, j := range jobs {
			j.run(parses, &buf)
			tick()
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte
			for {
				i := int(next.Add(1)) - 1
				if i >= len(jobs) {
					return
				}
				jobs[i].run(parses, &buf)
				tick()
			}
		}()
	}
	wg.Wait()
}

// parseSource parses one rule file, adding what a source's location implies.
func parseSource(src rules.Source, data []byte) *rules.Rule {
	r := rules.Parse(src, data)
	if src.ID == copilotGlobalID && src.Format == rules.FormatCopilot {
		// .github/copilot-instructions.md is plain markdown that Copilot always applies.
		r.AlwaysApply = true
		if r.Description == "" {
			r.Description = copilotGlobalTitle
		}
		kept := r.Problems[:0:0]
		for _, p := range r.Problems {
			if p.Code != rules.CodeNoFrontmatter && p.Code != rules.CodeNoDescription {
				kept = append(kept, p)
			}
		}
		r.Problems = kept
	}
	return r
}

// tooLarge is the rule of a file over rules.MaxFileSize, built without reading it, with
// the problem rules.Parse would report.
func tooLarge(src rules.Source, size int64) *rules.Rule {
	r := &rules.Rule{Source: src, Status: rules.StatusActive}
	r.Restore(nil, -1)
	r.Problems = []rules.Problem{rules.TooLarge(size)}
	sum := sha256.Sum256([]byte(fmt.Sprintf("too large: %d bytes", size)))
	r.Hash = hex.EncodeToString(sum[:])
	return r
}
