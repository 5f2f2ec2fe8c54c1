package index

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/airules/airules/rules"
	"go.uber.org/zap"
)

// Defaults of Options.
const (
	defaultDebounce  = 50 * time.Millisecond
	defaultMaxEvents = 10_000
	// defaultIndexDelay is how long after Open the database's JSON indexes are built:
	// after an editor's start-up burst (opening files, first prompts), since the build
	// takes buntdb's lock and a core for a while on a large workspace
	// (BenchmarkWarmStart).
	defaultIndexDelay = 30 * time.Second
)

// ErrClosed is returned by calls on a closed Index.
var ErrClosed = errors.New("index is closed")

// Index keeps the rules of one workspace indexed. All its methods are safe for
// concurrent use; writers (reindex, overlays, configuration) are serialised, readers
// take a Snapshot and never wait.
type Index struct {
	opt Options
	lay *layout
	log *zap.Logger
	st  *store

	snap atomic.Pointer[Snapshot]
	// headers are the prompt headers' token counts (headers.go).
	headers headerCounts

	// mu serialises writers and guards everything below it.
	mu       sync.Mutex
	closed   bool
	entries  map[string]*entry      // rule files on disk, by absolute path
	overlays map[string]*rules.Rule // open editor buffers, by absolute path
	ruleKeys map[string]string      // store key → path that owns it
	files    map[string]struct{}    // workspace files, relative slash paths
	fileList *rules.FileList
	globs    map[string]*globCount // positive globs of the live rules → matching files
	disabled []string
	// builtLayers is the layer order the current set was built with.
	builtLayers []rules.Layer
	nextSeq     uint64     // next event sequence number
	eventRuns   []eventRun // the event log's batch records, oldest first
	eventCount  int        // events in the store

	team    *teamLayer // nil without a team source; its maps are guarded by mu
	m       counters
	watcher *watcher
	bg      sync.WaitGroup // background work Close waits for
	poke    chan struct{}  // wakes the token warmer; nil without one
	// unstored are the counted rules whose records are not written yet (flushTokens).
	unstored  []tokenWork
	stopBg    context.CancelFunc // ends the token warmer
	closing   chan struct{}      // closed when Close begins
	ahead     chan struct{}      // AheadDone's
	aheadOnce sync.Once
}

// entry is one rule file on disk as the index knows it. Its source is its rule's
// (rule.Source): every rule is made from the source the walk found it by.
type entry struct {
	rule     *rules.Rule
	stamp    fileRecord
	restored bool // rule was loaded from the store
}

type counters struct {
	reindexes   atomic.Uint64
	parses      atomic.Uint64
	hits        atomic.Uint64
	misses      atomic.Uint64
	lastReindex atomic.Int64
	warmSkips   atomic.Uint64
	// lastQuery is when a snapshot last computed a context, in nanoseconds since
	// epoch (a monotonic clock): the token warmer writes its counts to the store
	// once none has been asked for a while (tokens.go, quietStore).
	lastQuery atomic.Int64
	epoch     time.Time
}

// noteQuery records that a context was computed now.
func (c *counters) noteQuery() { c.lastQuery.Store(int64(time.Since(c.epoch)) + 1) }

// sinceQuery is how long ago a context was last computed; long ago when none was.
func (c *counters) sinceQuery() time.Duration {
	last := c.lastQuery.Load()
	if last == 0 {
		return time.Duration(math.MaxInt64)
	}
	return time.Since(c.epoch) - time.Duration(last-1)
}

// Open indexes the workspace: it opens (or rebuilds) the store, walks the rule sources,
// re-parses only the files that changed since the store last saw them, publishes the
// first Snapshot, and starts the watcher when opt.Watch is set. OnChange is not called
// for this first index: read Snapshot().Problems for the initial diagnostics.
func Open(ctx context.Context, opt Options) (*Index, error) {
	if opt.Root == "" {
		return nil, errors.New("open index: no workspace root")
	}
	root, err := filepath.Abs(opt.Root)
	if err != nil {
		return nil, fmt.Errorf("open index: %w", err)
	}
	st, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("open index: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("open index: %s is not a folder", root)
	}
	opt.Root = root
	if opt.RulesDir == "" {
		opt.RulesDir = rules.DefaultRulesDir
	}
	if opt.UserRulesDir != "" {
		if opt.UserRulesDir, err = filepath.Abs(opt.UserRulesDir); err != nil {
			return nil, fmt.Errorf("open index: %w", err)
		}
	}
	if opt.Debounce <= 0 {
		opt.Debounce = defaultDebounce
	}
	if opt.MaxEvents <= 0 {
		opt.MaxEvents = defaultMaxEvents
	}
	if opt.indexDelay <= 0 {
		opt.indexDelay = defaultIndexDelay
	}
	if opt.Cause == "" {
		opt.Cause = "startup"
	}
	log := opt.Logger
	if log == nil {
		log = zap.NewNop()
	}
	ix := &Index{
		opt:      opt,
		log:      log,
		lay:      newLayout(root, opt.RulesDir, opt.UserRulesDir, loadGitignore(root)),
		disabled: append([]string(nil), opt.Disabled...),
		closing:  make(chan struct{}),
		ahead:    make(chan struct{}),
	}
	ix.m.epoch = time.Now()
	ix.lay.forgetBodies = opt.serving()
	var w *watcher
	if opt.Watch {
		if w, err = ix.newWatcher(); err != nil {
			log.Warn("cannot watch the rule files; changes are seen only when reported", zap.Error(err))
		}
	}
	// The walk (system calls) and the database replay (CPU) overlap, on two cores
	// (BenchmarkWarmStart).
	walked := make(chan *observation, 1)
	t0 := time.Now()
	go func() {
		obs := ix.observeAll()
		log.Debug("walked", zap.Duration("walk", time.Since(t0)))
		walked <- obs
	}()
	ix.st, err = openStore(opt.DBPath, root, log)
	log.Debug("store opened", zap.Duration("open", time.Since(t0)))
	if err != nil {
		<-walked
		if w != nil {
			w.stop()
		}
		return nil, err
	}
	obs := <-walked
	fail := func(err error) (*Index, error) {
		if w != nil {
			w.stop()
		}
		ix.st.close()
		return nil, err
	}
	if err := ix.start(ctx, obs); err != nil {
		if !errors.Is(err, errCorrupt) {
			return fail(err)
		}
		if ix.st.path == "" {
			// A private copy of another process's damaged file: start empty.
			log.Warn("the shared index database is damaged; indexing from the rule files", zap.Error(err))
			fallback := ix.st.inMemory
			_ = ix.st.db.Close()
			if ix.st, err = openMemory(log, "", fallback); err != nil {
				return nil, err
			}
			if err := ix.start(ctx, obs); err != nil {
				return fail(err)
			}
			return ix.started(w), nil
		}
		// A record that does not decode: the file is damaged in a way buntdb's own
		// checks missed. Move it aside and start over from the rule files.
		log.Warn("index database is damaged; moving it aside and rebuilding from the rule files",
			zap.String("path", ix.st.path), zap.Error(err))
		path, lock := ix.st.path, ix.st.lock
		_ = ix.st.db.Close()
		ix.st.lock = nil // moves to the rebuilt store, or is released here
		if err := moveAside(path); err != nil {
			unlockFile(lock)
			return fail(err)
		}
		s, err := openFile(path, log)
		if err != nil {
			unlockFile(lock)
			return fail(err)
		}
		s.lock = lock
		ix.st = s
		if err := ix.start(ctx, obs); err != nil {
			return fail(err)
		}
	}
	return ix.started(w), nil
}

// started starts the watcher, and the token warmer and live team layer of a server
// (Options.Serve): a server whose watcher could not start, or whose client watches
// the files, still counts in the background.
func (ix *Index) started(w *watcher) *Index {
	if w != nil {
		ix.watcher = w
		w.start()
	}
	switch {
	case ix.opt.serving():
		bgCtx, cancel := context.WithCancel(context.Background())
		ix.stopBg = cancel
		ix.startTokenWarmer(bgCtx)
		ix.startTeam()
	case ix.opt.ReadAhead != Ahead{}:
		bgCtx, cancel := context.WithCancel(context.Background())
		ix.stopBg = cancel
		ix.readAheadOnly(bgCtx)
	default:
		ix.closeAhead()
	}
	return ix
}

// Snapshot returns the current snapshot. It never blocks and is never nil after Open.
func (ix *Index) Snapshot() *Snapshot { return ix.snap.Load() }

// Metrics returns the counters since Open.
func (ix *Index) Metrics() Metrics {
	s := ix.snap.Load()
	m := Metrics{
		Reindexes:      ix.m.reindexes.Load(),
		Parses:         ix.m.parses.Load(),
		CacheHits:      ix.m.hits.Load(),
		CacheMisses:    ix.m.misses.Load(),
		LastReindex:    time.Duration(ix.m.lastReindex.Load()),
		WarmStartSkips: ix.m.warmSkips.Load(),
		DBPath:         ix.st.path,
		InMemory:       ix.st.inMemory,
	}
	if s != nil {
		m.Rules = s.Rules.Len()
		m.Files = s.Files.Len()
		m.Generation = s.Generation
	}
	return m
}

// Close stops the watcher, closes the database and releases its lock. The last
// Snapshot stays readable.
func (ix *Index) Close() error {
	ix.mu.Lock()
	if ix.closed {
		ix.mu.Unlock()
		return nil
	}
	ix.closed = true
	close(ix.closing)
	w := ix.watcher
	ix.mu.Unlock()
	if w != nil {
		w.stop() // waits for its goroutines; their reindex calls see closed and return
	}
	if ix.stopBg != nil {
		ix.stopBg()
	}
	if ix.team != nil && ix.team.stop != nil {
		ix.team.stop()
	}
	ix.bg.Wait()
	ix.closeAhead() // for a waiter, should the read-ahead have been cut short
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if err := ix.storeCountedTokens(); err != nil {
		ix.log.Warn("cannot store token counts", zap.Error(err))
	}
	if err := ix.st.close(); err != nil {
		return fmt.Errorf("close index: %w", err)
	}
	return nil
}

// Metrics are counters since the Index was opened.
type Metrics struct {
	Reindexes      uint64        `json:"reindexes"`
	Parses         uint64        `json:"parses"`
	CacheHits      uint64        `json:"cache_hits"`
	CacheMisses    uint64        `json:"cache_misses"`
	LastReindex    time.Duration `json:"last_reindex_ns"`
	Rules          int           `json:"rules"`
	Files          int           `json:"files"`
	Generation     uint64        `json:"generation"`
	DBPath         string        `json:"db_path"`
	InMemory       bool          `json:"in_memory"` // true when the database fell back to memory
	WarmStartSkips uint64        `json:"warm_start_skips"`
}
