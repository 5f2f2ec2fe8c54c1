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
	// Watch starts the fsnotify watcher over the rule roots. It implies Serve.
	Watch bool
	// Serve says the index lives as long as a server: it counts tokens in the
	// background, keeps the team layer live, and forgets the bodies it parses once they
	// are counted. A server whose client alone watches the files sets it without
	// Watch; one-shot commands leave both off.
	Serve bool
	// Counter counts tokens in a worker process rather than in this one (CountWorker):
	// a server's background counts and what its requests need counted; nil counts
	// here. The caller owns it and closes it: several indexes may share one.
	Counter *CountWorker
	// ReadAhead is how much a server reads and counts ahead of its first answers
	// (ServerAhead; the zero value, nothing), in the background from Open on, as the
	// head of its warmer's first round; the server waits for AheadDone.
	ReadAhead Ahead
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
	// OnCounting, with Serve, follows the background token counting: it is called with
	// done 0 when a round of counts starts (a first index, a branch switch, an edit),
	// as batches are counted, and with done == total when the round ends. It is called
	// from the counting goroutine and must return at once.
	OnCounting func(done, total int)

	// Team is the team source (a NATS JetStream KV bucket); its zero value means none.
	// The caller merges the configuration files (LoadTeamConfig), the environment and
	// its own options into it. With Serve the index keeps the team layer live; without,
	// it serves the cached team rules until SyncTeam.
	Team TeamConfig
	// TeamProblems are the problems LoadTeamConfig found in configuration files, by
	// path, published with the rules' problems.
	TeamProblems map[string][]rules.Problem
	// TeamTimeout bounds connecting to the team server and each request; default 2 s.
	TeamTimeout time.Duration

	// teamBackoff is the first wait after a failed team session (default 500 ms); tests
	// shorten it.
	teamBackoff time.Duration
	// indexDelay is how long after Open the database's JSON indexes are built
	// (default 1 s); tests shorten it.
	indexDelay time.Duration
	// quiet, when set, says whether the index is quiet enough to write counts, in place
	// of "no context computed for quietStore"; flushed is called after counts are
	// written, with how many. For tests.
	quiet   func() bool
	flushed func(n int)
	// sent, when set, is called once a counting round has sent all its requests to
	// the count worker; windowFull when a round waits for answers before it sends
	// more, its bulk requests in flight being over sendWindow (or this). For tests.
	sent       func()
	windowFull func()
	sendWindow int
}

// serving reports whether the index lives as long as a server (Serve, or Watch).
func (o *Options) serving() bool { return o.Serve || o.Watch }
