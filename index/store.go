package index

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/buntdb"
	"go.uber.org/zap"
)

// schemaVersion names the layout of the keys and records below. A database with another
// version is moved aside and rebuilt: rule files are the truth, the store is a cache
// (plus the event log).
const schemaVersion = "airules-index/5"

// Key prefixes.
const (
	keySchema = "meta:schema"
	preRule   = "rule:"
	preHeader = "header:"
	preFile   = "file:"
	preEvent  = "event:"
)

// chunkKeys and chunkBytes bound the keys and the bytes of one write transaction:
// buntdb keeps its commit buffer at the capacity of the largest commit, so one 10k-rule
// commit would pin ~20 MB forever, and 200 packed event records one of ~1 MB.
const (
	chunkKeys  = 200
	chunkBytes = 128 << 10
)

// errCorrupt marks a database whose content cannot be trusted.
var errCorrupt = errors.New("database content is damaged")

// store is the buntdb database of one workspace.
type store struct {
	db       *buntdb.DB
	path     string // the file, or "" in memory
	inMemory bool   // fell back to memory although a file was asked for
	lock     *os.File
	log      *zap.Logger
}

// defaultDBPath is os.UserCacheDir()/airules/<sha256(root)[:16]>/index.db: never inside
// the workspace, one per workspace.
func defaultDBPath(root string) (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("user cache dir: %w", err)
	}
	sum := sha256.Sum256([]byte(root))
	return filepath.Join(dir, "airules", hex.EncodeToString(sum[:])[:16], "index.db"), nil
}

// openStore opens (or creates) the database. It never fails for a damaged file or a
// busy lock: those fall back to a rebuilt or an in-memory database, with a warning.
func openStore(dbPath, root string, log *zap.Logger) (*store, error) {
	if dbPath == "" {
		p, err := defaultDBPath(root)
		if err != nil {
			log.Warn("no cache directory; the index lives in memory only", zap.Error(err))
			return openMemory(log, "", true)
		}
		dbPath = p
	}
	if dbPath == ":memory:" {
		return openMemory(log, "", false)
	}
	if err := os.MkdirAll(filepath.Dir(dbPath), 0o700); err != nil {
		log.Warn("cannot create the index folder; the index lives in memory only", zap.String("path", dbPath), zap.Error(err))
		return openMemory(log, "", true)
	}
	// buntdb would block for ever reading a FIFO and fail oddly on anything else that
	// is not a file: fall back at once.
	for _, p := range []string{dbPath, dbPath + ".lock"} {
		if st, err := os.Stat(p); err == nil && !st.Mode().IsRegular() {
			log.Warn("the index path is not a regular file; the index lives in memory only",
				zap.String("path", p), zap.String("mode", st.Mode().String()))
			return openMemory(log, "", true)
		}
	}
	lock, err := lockFile(dbPath + ".lock")
	if err != nil {
		if errors.Is(err, errLocked) {
			log.Info("another airules process uses this workspace's index; using a private in-memory copy",
				zap.String("path", dbPath))
		} else {
			log.Warn("cannot lock the index; using memory", zap.String("path", dbPath), zap.Error(err))
		}
		return openMemory(log, dbPath, true)
	}
	s, err := openFile(dbPath, log)
	if err != nil {
		unlockFile(lock)
		log.Warn("cannot open the index; using memory", zap.String("path", dbPath), zap.Error(err))
		return openMemory(log, "", true)
	}
	s.lock = lock
	return s, nil
}

// openFile opens the database file, moving a damaged one aside.
func openFile(path string, log *zap.Logger) (*store, error) {
	var before int64 = -1
	if st, err := os.Stat(path); err == nil {
		before = st.Size()
	}
	db, err := buntdb.Open(path)
	if err != nil {
		if !os.IsNotExist(err) && before >= 0 {
			log.Warn("index database is damaged; moving it aside and rebuilding from the rule files",
				zap.String("path", path), zap.Error(err))
			if err := moveAside(path); err != nil {
				return nil, err
			}
			db, err = buntdb.Open(path)
		}
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
	} else if st, serr := os.Stat(path); serr == nil && before >= 0 && st.Size() < before {
		// buntdb trimmed a command cut off mid-way: the last transaction is partly
		// lost, and its keys were written in map order. Start clean instead of trusting
		// half a transaction.
		log.Warn("index database was cut off; moving it aside and rebuilding from the rule files",
			zap.String("path", path), zap.Int64("bytes", before), zap.Int64("kept", st.Size()))
		_ = db.Close()
		if err := moveAside(path); err != nil {
			return nil, err
		}
		if db, err = buntdb.Open(path); err != nil {
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
	}
	s := &store{db: db, path: path, log: log}
	if err := s.configure(); err != nil {
		_ = db.Close()
		return nil, err
	}
	if err := s.checkSchema(); err != nil {
		log.Warn("index database has another schema or is damaged; moving it aside and rebuilding",
			zap.String("path", path), zap.Error(err))
		// The rule files rebuild everything else; the event log is history, and an
		// upgrade must not lose it.
		events := readEvents(db)
		_ = db.Close()
		if err := moveAside(path); err != nil {
			return nil, err
		}
		s, err := openFile(path, log)
		if err == nil && len(events) > 0 {
			groups, _ := eventRecords(events)
			if werr := s.write(groups); werr != nil {
				log.Warn("cannot carry the event log over", zap.Error(werr))
			}
		}
		return s, err
	}
	return s, nil
}

// moveAside renames a damaged database to index.db.corrupt-<unix time>, kept for a
// post-mortem; the cache folder is ours, never the workspace. Only the last one is kept:
// each upgrade of the schema moves a database aside too, and copies of a large index
// would pile up in the cache.
func moveAside(path string) error {
	dst := path + ".corrupt-" + strconv.FormatInt(time.Now().Unix(), 10)
	if err := os.Rename(path, dst); err != nil {
		return fmt.Errorf("move damaged %s aside: %w", path, err)
	}
	older, _ := filepath.Glob(path + ".corrupt-*")
	for _, p := range older {
		if p != dst {
			_ = os.Remove(p)
		}
	}
	return nil
}

// openMemory opens an in-memory database. seed, when set, is a database file locked by
// another process: its content is copied in (read-only, never written back), so a second
// server or the CLI still starts warm and sees the event log.
func openMemory(log *zap.Logger, seed string, fallback bool) (*store, error) {
	db, err := buntdb.Open(":memory:")
	if err != nil {
		return nil, fmt.Errorf("open in-memory database: %w", err)
	}
	s := &store{db: db, inMemory: fallback, log: log}
	if seed != "" {
		if data, err := os.ReadFile(seed); err == nil {
			// A tail cut mid-command (the owner is writing) is expected: keep the prefix.
			if err := db.Load(bytes.NewReader(data)); err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
				log.Warn("cannot read the other process's index; starting empty", zap.Error(err))
				_ = db.Close()
				db, _ = buntdb.Open(":memory:")
				s.db = db
			}
		}
	}
	if err := s.configure(); err != nil {
		return nil, err
	}
	if err := s.checkSchema(); err != nil {
		_ = s.db.Close()
		if s.db, err = buntdb.Open(":memory:"); err != nil {
			return nil, fmt.Errorf("open in-memory database: %w", err)
		}
		if err := s.configure(); err != nil {
			return nil, err
		}
		if err := s.checkSchema(); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// configure sets the policies on purpose:
//
//   - SyncPolicy EverySecond: the rules, bodies and stamps are a cache of the files and
//     can always be rebuilt; the event log is the one thing that cannot. EverySecond
//     bounds its loss on power failure to a second at the cost of at most one fsync a
//     second, and only when something was written. Always would cost ~150 µs per
//     transaction for no gain a user could see.
//   - AutoShrink at 100 % growth above 16 MB: every save appends a new version of a rule,
//     so the file grows with edits, not with rules. 10,000 rules are ~25 MB live; the
//     default 32 MB floor would let a small workspace's file grow unchecked for a long
//     time, a lower one would rewrite large files too often. Shrinking runs in buntdb's
//     background goroutine and never blocks readers.
func (s *store) configure() error {
	var c buntdb.Config
	if err := s.db.ReadConfig(&c); err != nil {
		return fmt.Errorf("read database config: %w", err)
	}
	c.SyncPolicy = buntdb.EverySecond
	c.AutoShrinkPercentage = 100
	c.AutoShrinkMinSize = 16 << 20
	c.AutoShrinkDisabled = false
	if err := s.db.SetConfig(c); err != nil {
		return fmt.Errorf("set database config: %w", err)
	}
	return nil
}

// checkSchema writes the schema version into an empty database and refuses one with
// another version (or keys without one).
func (s *store) checkSchema() error {
	return s.db.Update(func(tx *buntdb.Tx) error {
		v, err := tx.Get(keySchema)
		switch {
		case err == nil && v == schemaVersion:
			return nil
		case err == nil:
			return fmt.Errorf("schema %q, want %q", v, schemaVersion)
		case !errors.Is(err, buntdb.ErrNotFound):
			return err
		}
		n, err := tx.Len()
		if err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("%d keys without a schema version", n)
		}
		_, _, err = tx.Set(keySchema, schemaVersion, nil)
		return err
	})
}

// indexedFields are the rule record fields with a JSON index, and whether they compare
// as numbers.
var indexedFields = []struct {
	name    string
	numeric bool
}{{"scope", false}, {"language", false}, {"priority", true}, {"status", false}}

// createIndexes builds the JSON indexes over rule records. buntdb does not persist
// indexes, so this runs on every open.
//
// buntdb.IndexJSON runs gjson four times per comparison (~190 ns for two), and a build
// makes ~27 comparisons per record: 10,000 rules cost ~0.6 s of CPU for the four
// indexes here. The indexed fields lead every record this package writes (ruleRecord's
// field order, no omitempty), so leadingLess finds them by a short scan instead, about
// half the cost. The order is IndexJSON's for these values: numbers numerically,
// strings and arrays by their text (case-sensitive; the values are lower-case ids).
func (s *store) createIndexes() error {
	for _, f := range indexedFields {
		err := s.db.CreateIndex(f.name, preRule+"*", leadingLess(f.name, f.numeric))
		if err != nil && !errors.Is(err, buntdb.ErrIndexExists) {
			return fmt.Errorf("create index %s: %w", f.name, err)
		}
	}
	return nil
}

// leadingLess compares two records by one top-level field. A query pivot is a JSON
// object with that field, as for buntdb.IndexJSON: {"language":["go"]}.
func leadingLess(field string, numeric bool) func(a, b string) bool {
	key := `"` + field + `":`
	if numeric {
		return func(a, b string) bool {
			x, _ := strconv.ParseFloat(jsonField(a, key), 64)
			y, _ := strconv.ParseFloat(jsonField(b, key), 64)
			return x < y
		}
	}
	return func(a, b string) bool { return jsonField(a, key) < jsonField(b, key) }
}

// jsonField returns the raw value after key ("name":) in a flat JSON object written by
// this package (values are numbers, strings, literals or arrays of strings), or "".
// The indexed fields lead every record, so the search ends within a few dozen bytes.
func jsonField(v, key string) string {
	i := strings.Index(v, key)
	if i < 0 {
		return ""
	}
	return v[i+len(key) : valueEnd(v, i+len(key))]
}

// valueEnd returns the offset just past the JSON value starting at i.
func valueEnd(v string, i int) int {
	inString := false
	for j := i; j < len(v); j++ {
		switch c := v[j]; {
		case inString && c == '\\':
			j++
		case c == '"':
			inString = !inString
			if !inString && v[i] == '"' {
				return j + 1
			}
		case inString:
		case c == ']':
			return j + 1
		case (c == ',' || c == '}') && v[i] != '[':
			return j
		}
	}
	return len(v)
}

// op is one key written or deleted.
type op struct {
	key, val string
	del      bool
}

// write applies groups of ops in transactions of about chunkKeys keys and chunkBytes
// bytes. A group (the
// rule, body and stamp of one file) never straddles two transactions, so a crash between
// them leaves every file either fully old or fully new.
func (s *store) write(groups [][]op) error {
	for len(groups) > 0 {
		n := nextChunk(groups)
		chunk := groups[:n]
		groups = groups[n:]
		err := s.db.Update(func(tx *buntdb.Tx) error {
			for _, g := range chunk {
				for _, o := range g {
					if o.del {
						if _, err := tx.Delete(o.key); err != nil && !errors.Is(err, buntdb.ErrNotFound) {
							return err
						}
						continue
					}
					if _, _, err := tx.Set(o.key, o.val, nil); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("write index: %w", err)
		}
	}
	return nil
}

// nextChunk is how many of groups the next transaction writes: at least one, and no
// more than chunkKeys keys and chunkBytes bytes.
func nextChunk(groups [][]op) int {
	n, keys, bytes := 0, 0, 0
	for n < len(groups) {
		k, b := len(groups[n]), 0
		for _, o := range groups[n] {
			b += len(o.key) + len(o.val)
		}
		if n > 0 && (keys+k > chunkKeys || bytes+b > chunkBytes) {
			break
		}
		keys, bytes = keys+k, bytes+b
		n++
	}
	return n
}

func (s *store) close() error {
	compact := s.path != "" && s.bloated()
	var tmp string
	if compact {
		// Written while the lock is held and before the database closes, renamed over
		// it after: a crash leaves either file whole.
		var err error
		if tmp, err = s.saveCompact(); err != nil {
			s.log.Warn("cannot compact the index database", zap.String("path", s.path), zap.Error(err))
			compact = false
		}
	}
	err := s.db.Close()
	if compact {
		if err == nil {
			if rerr := os.Rename(tmp, s.path); rerr != nil {
				s.log.Warn("cannot compact the index database", zap.String("path", s.path), zap.Error(rerr))
			}
		}
		_ = os.Remove(tmp) // gone after the rename; a leftover otherwise
	}
	if uerr := unlockFile(s.lock); err == nil {
		err = uerr
	}
	return err
}

// compactMinSize is the smallest database file worth compacting.
const compactMinSize = 256 << 10

// bloated reports whether the file is more than twice the size of what it holds: every
// write appends, and buntdb's own shrinking runs a second after open at the earliest,
// after a CLI run has exited.
func (s *store) bloated() bool {
	st, err := os.Stat(s.path)
	if err != nil || st.Size() < compactMinSize {
		return false
	}
	live := s.liveSize()
	return live >= 0 && st.Size() > 2*live
}

// liveSize is the size of the file buntdb would write for the keys it holds now: one
// RESP "set" command per key.
func (s *store) liveSize() int64 {
	var n int64
	bulk := func(l int) int64 { return int64(1 + len(strconv.Itoa(l)) + 2 + l + 2) }
	err := s.db.View(func(tx *buntdb.Tx) error {
		return tx.Ascend("", func(k, v string) bool {
			n += 4 + bulk(3) + bulk(len(k)) + bulk(len(v))
			return true
		})
	})
	if err != nil {
		return -1
	}
	return n
}

// saveCompact writes the live keys next to the database file, synced, and returns
// the new file's path.
func (s *store) saveCompact() (string, error) {
	tmp := s.path + ".compact"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return "", err
	}
	err = s.db.Save(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(tmp)
		return "", err
	}
	return tmp, nil
}
