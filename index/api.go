package index

import (
	"time"

	"github.com/airules/airules/rules"
	"go.uber.org/zap"
)

// Options configure an Index. Zero values are the documented defaults.
type Options struct {
	// Root is the absolute path of the workspace folder.
	Root string
	// RulesDir is the native rules root, relative to Root; default ".ai-rules".
	RulesDir string
	// UserRulesDir holds the user's own rules (layer user); "" means none. The CLI and
	// the server default it to os.UserConfigDir()/airules/rules; tests leave it empty.
	UserRulesDir string
	// DBPath is the buntdb file; "" means os.UserCacheDir()/airules/<hash of Root>/index.db,
	// ":memory:" keeps nothing on disk.
	DBPath string
	// Watch starts the fsnotify watcher over the rule roots.
	Watch bool
	// Debounce is the quiet time per path before a watched change is reindexed; default 50ms.
	Debounce time.Duration
	// MaxEvents bounds the event log; default 10,000.
	MaxEvents int
	// Disabled lists rule ids turned off by configuration.
	Disabled []string
	// Cause is the causation id of the first index ("startup", "cli"); default "startup".
	Cause string
	// Logger receives warnings (damaged database, unreadable folders); nil discards.
	Logger *zap.Logger
	// Progress, when set, is called while Open reads and parses rule files, with how
	// many of how many are done (every few dozen files, and at the end). It is called
	// from the indexing workers and must return at once.
	Progress func(done, total int)
	// OnChange receives the changes the watcher found and applied, from the watcher's
	// goroutine (it must not block for long). Changes made through a method (Reindex,
	// SetOverlay, ClearOverlay, SetDisabled) are that method's result only, so each
	// change reaches the caller exactly once.
	OnChange func(Change)

	// indexDelay is how long after Open the database's JSON indexes are built
	// (default 1 s); tests shorten it.
	indexDelay time.Duration
}

// Change is what one reindex changed.
type Change struct {
	Generation  uint64
	Correlation string   // the correlation id shared by the events of this reindex
	Added       []string // rule ids
	Updated     []string
	Removed     []string
	// Problems holds, for every rule file whose diagnostics may have changed (by
	// absolute path), its full current list of problems; an empty list means "clear".
	Problems map[string][]rules.Problem
	// Reconfigured lists the rule ids whose configuration-disabled state SetDisabled
	// changed (added to the contract: such a change touches no rule file).
	Reconfigured []string
}

// Empty reports whether nothing changed.
func (c Change) Empty() bool {
	return len(c.Added) == 0 && len(c.Updated) == 0 && len(c.Removed) == 0 && len(c.Problems) == 0 &&
		len(c.Reconfigured) == 0
}

// Event is one entry of the event log.
type Event struct {
	Seq         uint64    `json:"seq"`
	Type        string    `json:"type"` // created, updated, deleted, invalid
	RuleID      string    `json:"rule_id"`
	Layer       string    `json:"layer"`
	Path        string    `json:"path"`
	Version     string    `json:"version,omitempty"`
	Hash        string    `json:"hash,omitempty"`
	Time        time.Time `json:"time"`
	Causation   string    `json:"causation_id"`
	Correlation string    `json:"correlation_id"`
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
