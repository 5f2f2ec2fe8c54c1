package index

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
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
		j.same = j.prev != nil && j.prev.stamp.Hash == j.hash && j.prev.rule.Source == j.f.src
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
		// A rule that @imports other files is parsed again even when its own bytes are
		// the same: what it imports may have changed (see touchImporters).
		if j.prev != nil && j.prev.stamp.Hash == j.hash && j.prev.rule.Source == j.f.src && len(j.prev.rule.Imports) == 0 {
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
	j.encoded = encodeRule(j.rule)
	if j.lay.forgetBodies && j.f.src.Format.Restorable() {
		body := j.rule.Body
		j.rule.ForgetBody(j.lay.bodyOf(j.f.tree))
		j.rule.PassBodyWith(j.lay.pending.pass)
		j.lay.pending.put(j.rule, body)
	}
	if j.stored != nil {
		// A format the store cannot restore is parsed at every start, but its count
		// survives when its content did not change.
		j.tokens = j.stored.tokensFor(j.hash)
	}
}

// restore loads the rule from the store when its record matches the source and hash.
func (j *job) restore(hash string) bool {
	rec, st := j.state.rule(j.stored.Rule)
	if st == loadDamaged {
		j.damaged = true
		return false
	}
	src := j.f.src
	if !src.Format.Restorable() {
		return false // the record does not hold all of this format's rule
	}
	// The record is the one the file's stamp names, so it is this path's; a record
	// another file wrote since (its key reassigned) has another hash.
	if st != loadOK || rec.Hash != hash || rec.ID != src.ID || rec.Layer != src.Layer.String() ||
		rec.Format != string(src.Format) || rec.Dir != src.Dir {
		return false
	}
	j.tokens = j.stored.tokensFor(hash)
	j.rule = restoreRule(src, rec, j.tokens, j.lay.bodyOf(j.f.tree))
	j.rule.RestoreFormat()
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
	eachOn(len(jobs), runtime.GOMAXPROCS(0), func() func(int) {
		var buf []byte // a worker's read buffer
		return func(i int) {
			jobs[i].run(parses, &buf)
			tick()
		}
	})
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

// bodyOf reads a restored rule's body back from its file, through the hardened reader:
// cut at the stored body line when that gives the stored body identity (the file is
// as indexed), else parsed as the index parses it, so that each format's reading of
// its body holds. A file changed since it was indexed gives its new body (the watcher
// reindexes it); one that cannot be read any more gives none.
// It captures only the tree: one small closure per rule, the rule brings the rest.
func (l *layout) bodyOf(t *tree) func(*rules.Rule) string {
	return func(r *rules.Rule) string {
		if b, ok := l.pending.take(r); ok {
			return b
		}
		buf := readBufs.Get().(*[]byte)
		defer readBufs.Put(buf)
		data, err := found{src: r.Source, tree: t}.read(buf)
		if err != nil {
			return ""
		}
		if b := rules.BodyAt(data, r.BodyLine); rules.BodySumOf(b) == r.RestoredBodySum() {
			return b
		}
		return l.parseSource(r.Source, data).Body
	}
}

// readBufs are the read buffers of body loaders: what a loader keeps is a string made
// from the bytes (BodyAt, Parse), so the bytes can be read into a buffer used again, and
// a prompt's first rendering reads a few dozen files.
var readBufs = sync.Pool{New: func() any { return new([]byte) }}

// readAux reads a file that is not itself indexed (a manifest, an @import target)
// through the one hardened reader (readfile.go): a regular file, opened without
// blocking, whose real path as opened lies in the workspace (or in the module cache,
// for Go dependency rules), of at most rules.MaxFileSize bytes. A refusal outside both
// is rules.ErrOutside, which the @import reader reports as such.
func (l *layout) readAux(abs string) ([]byte, error) {
	if _, err := os.Lstat(abs); err != nil {
		return nil, err // missing: say so, not "outside"
	}
	data, _, err := newTree(l.root).read(abs, rules.MaxFileSize, 0, nil)
	if errors.Is(err, errOutside) {
		if mc := l.deps.Load().modCache; mc != "" {
			data, _, err = newTree(mc).read(abs, rules.MaxFileSize, 0, nil)
		}
		if errors.Is(err, errOutside) {
			return nil, fmt.Errorf("%w: %v", rules.ErrOutside, err)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", abs, err)
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
		w.out.rules[p] = found{src: e.rule.Source, size: st.Size(), mtime: e.stamp.Mtime - 1}
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
