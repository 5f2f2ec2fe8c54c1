package index

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/airules/airules/rules"
)

// job brings one rule file up to date: restore it from the store, re-stamp it, or read
// and parse it.
type job struct {
	lay    *layout
	f      found
	prev   *entry       // the entry in memory, if any
	stored *fileRecord  // the stamp in the store (warm start only)
	state  *storedState // what the store held at open (warm start only)

	// results
	rule       *rules.Rule
	globRanges []rules.Range
	tokens     int
	hash       string
	restored   bool   // rule came from the store, not from the file
	same       bool   // content unchanged (prev or stored): at most the stamp changed
	err        error  // unreadable: treated as gone
	damaged    bool   // the stored record is damaged
	encoded    string // the rule record, encoded by the worker (JSON is a third of the cost)
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
	data, err := readFile(j.f.src.Path, j.f.size, buf)
	if err != nil {
		j.err = fmt.Errorf("read %s: %w", j.f.src.Path, err)
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
		// A rule that @imports other files is parsed again even when its own bytes are
		// the same: what it imports may have changed (see touchImporters).
		if j.prev != nil && j.prev.stamp.Hash == j.hash && j.prev.src == j.f.src && (j.prev.rule == nil || len(j.prev.rule.Imports) == 0) {
			j.same = true
			return
		}
		if j.stored != nil && j.stored.Hash == j.hash && j.restore(j.hash) {
			return
		}
	}
	parses.Add(1)
	j.rule = j.lay.parseSource(j.f.src, data)
	j.hash = j.rule.Hash
	j.globRanges = globRanges(j.rule)
	j.encoded = encodeRule(j.rule, j.globRanges, 0)
}

// restore loads the rule from the store when its record matches the source and hash.
func (j *job) restore(hash string) bool {
	rec, body, st := j.state.rule(j.stored.Rule)
	if st == loadDamaged {
		j.damaged = true
		return false
	}
	src := j.f.src
	if !src.Format.Restorable() {
		return false // the record does not hold all of this format's rule
	}
	if st != loadOK || rec.Hash != hash || rec.Path != src.Path || rec.ID != src.ID || rec.Layer != src.Layer.String() ||
		rec.Format != string(src.Format) || rec.Dir != src.Dir {
		return false
	}
	j.rule = restoreRule(src, rec, body)
	j.rule.RestoreFormat()
	j.globRanges = rec.GlobRanges
	j.tokens = rec.Tokens
	j.hash = hash
	j.restored = true
	j.same = true
	return true
}

// readFile reads a file whose size the walk saw into *buf, reused across files: the
// bytes are hashed and parsed, and rules.Parse keeps a string copy, never the slice.
// It skips os.ReadFile's fstat and its final empty read (system calls cost ~4 µs each
// here); a regular file read short of the buffer has reached its end.
func readFile(path string, size int64, buf *[]byte) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	want := int(min(size, rules.MaxFileSize)) + 512 // room to notice growth
	if cap(*buf) < want {
		*buf = make([]byte, want)
	}
	b := (*buf)[:cap(*buf)]
	n := 0
	for {
		m, err := f.Read(b[n:])
		n += m
		if err != nil && err != io.EOF {
			return nil, err
		}
		if err == io.EOF || m == 0 || n < len(b) {
			break
		}
		if n == len(b) {
			if n > rules.MaxFileSize {
				break // over the cap: the caller reports it without parsing
			}
			b = append(b, make([]byte, len(b))...)
			*buf = b
		}
	}
	return b[:n], nil
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

// parseSource parses one rule file and adds what needs the workspace: @imports read
// from the workspace, a legacy .cursorrules beside .cursor/rules. (A dependency rule's
// opt-in is in its Source, from the manifest.)
func (l *layout) parseSource(src rules.Source, data []byte) *rules.Rule {
	r := rules.Parse(src, data)
	switch src.Format {
	case rules.FormatClaude, rules.FormatGemini:
		if rel, ok := l.rel(src.Path); ok {
			rules.InlineImports(r, rel, auxFS{l}, filepath.ToSlash(l.root))
		}
	case rules.FormatCursorLegacy:
		if st, err := os.Stat(filepath.Join(l.root, ".cursor", "rules")); err == nil && st.IsDir() {
			r.Problems = append(r.Problems, rules.CursorLegacyBeside())
		}
	}
	return r
}

// readAux reads a file that is not itself indexed (a manifest, an @import target): a
// regular file of at most rules.MaxFileSize bytes whose real path is inside the
// workspace (or the module cache, for Go dependency rules). Every such read goes
// through here.
func (l *layout) readAux(abs string) ([]byte, error) {
	if _, err := os.Lstat(abs); err != nil {
		return nil, err // missing: say so, not "outside"
	}
	inside := resolvesInside(abs, l.root)
	if !inside {
		if mc := l.deps.Load().modCache; mc == "" || !resolvesInside(abs, mc) {
			return nil, rules.ErrOutside
		}
	}
	// Stat before opening: opening a FIFO would block until someone writes to it.
	if st, err := os.Stat(abs); err != nil {
		return nil, err
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("read %s: not a regular file", abs)
	}
	f, err := os.Open(abs)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("read %s: not a regular file", abs)
	}
	if st.Size() > rules.MaxFileSize {
		return nil, fmt.Errorf("read %s: %d bytes, over %d", abs, st.Size(), rules.MaxFileSize)
	}
	data, err := io.ReadAll(io.LimitReader(f, rules.MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", abs, err)
	}
	if len(data) > rules.MaxFileSize {
		return nil, fmt.Errorf("read %s: over %d bytes", abs, rules.MaxFileSize)
	}
	return data, nil
}

// auxFS is the workspace as an fs.FS for rules.InlineImports, read through readAux.
type auxFS struct{ l *layout }

func (a auxFS) Open(name string) (fs.File, error) {
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
}

func (a auxFS) ReadFile(name string) ([]byte, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrInvalid}
	}
	return a.l.readAux(filepath.Join(a.l.root, filepath.FromSlash(name)))
}

// touchImporters adds to the walk's rules every known rule that @imports the
// workspace-relative rel, with a stamp that cannot match, so it is parsed again: its
// text holds rel's. Called under ix.mu while observing.
func (ix *Index) touchImporters(w *walker, rel string) {
	for p, e := range ix.entries {
		if e.rule == nil || len(e.rule.Imports) == 0 || !slices.Contains(e.rule.Imports, rel) {
			continue
		}
		if _, seen := w.out.rules[p]; seen {
			continue
		}
		st, err := os.Stat(p)
		if err != nil || !st.Mode().IsRegular() {
			continue
		}
		// One tick off the stamp it has: never equal to it, and a later walk's true
		// mtime corrects it (one more parse).
		w.out.rules[p] = found{src: e.src, size: st.Size(), mtime: e.stamp.Mtime - 1}
	}
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

// globRanges are the ranges of r's positive globs, in order (the store keeps only
// those: AIR007 is about positive globs).
func globRanges(r *rules.Rule) []rules.Range {
	all := r.GlobRanges()
	var out []rules.Range
	for i, g := range r.Globs {
		if i < len(all) && !strings.HasPrefix(g, "!") {
			out = append(out, all[i])
		}
	}
	return out
}
