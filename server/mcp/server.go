package mcp

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime/debug"
	"sync"

	"github.com/airules/airules/index"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"go.uber.org/zap"
)

// Options configure a Server.
type Options struct {
	// Index opens the workspace: Root, RulesDir, UserRulesDir, DBPath, Logger… as for
	// any command. New sets Watch and wraps OnChange (called after the server's own
	// handling when set).
	Index index.Options
	// Version is reported to clients as the server's version.
	Version string
	// Logger receives the server's log lines (stderr in `airules mcp`); nil discards.
	Logger *zap.Logger
	// SDKLogger receives the SDK's own log lines; nil discards.
	SDKLogger *slog.Logger
}

// Server serves one workspace over MCP to any number of sessions.
type Server struct {
	ix      *index.Index
	sdk     *sdk.Server
	log     *zap.Logger
	fence   fence
	onDone  func(index.Change)
	syncMu  sync.Mutex
	listed  map[string]string // resource URI → what it was listed with (detects changes)
	started bool              // the first sync ran: changes before it are covered by it
}

// instructions tell a model what the server is for and when to call what.
const instructions = `airules knows the rules this workspace's team wrote for AI coding assistants ` +
	`(.ai-rules/, Cursor, Copilot, AGENTS.md, CLAUDE.md, dependency and user rules) and which of them ` +
	`apply to each file. Before creating or editing a file, call rules_for_file with its path and follow ` +
	`the prompt it returns. Rules listed under "available" or "omitted" can be fetched with get_rule.`

// New opens the workspace's index, with its watcher, and builds the MCP server on it.
func New(ctx context.Context, opt Options) (*Server, error) {
	log := opt.Logger
	if log == nil {
		log = zap.NewNop()
	}
	s := &Server{log: log, onDone: opt.Index.OnChange, listed: map[string]string{}}
	iopt := opt.Index
	iopt.Watch = true
	iopt.ReadAhead = index.ServerAhead
	iopt.OnChange = s.changed
	ix, err := index.Open(ctx, iopt)
	if err != nil {
		return nil, fmt.Errorf("mcp: %w", err)
	}
	// What the language server does before its first answer: the first tool calls
	// would otherwise read and count the rules they take (index.Ahead), and the
	// garbage of opening the index is collected now rather than during them.
	select {
	case <-ix.AheadDone():
	case <-ctx.Done():
		_ = ix.Close()
		return nil, fmt.Errorf("mcp: %w", ctx.Err())
	}
	debug.FreeOSMemory()
	s.ix = ix
	s.fence = newFence(ix.Snapshot().Root, rulesDirOf(iopt), iopt.UserRulesDir)
	impl := &sdk.Implementation{Name: "airules", Title: "airules", Version: opt.Version}
	s.sdk = sdk.NewServer(impl, &sdk.ServerOptions{
		Instructions:       instructions,
		Logger:             opt.SDKLogger,
		SubscribeHandler:   s.subscribe,
		UnsubscribeHandler: func(context.Context, *sdk.UnsubscribeRequest) error { return nil },
		CompletionHandler:  s.complete,
		// No logging capability: logs go to stderr, not to the client.
		Capabilities: &sdk.ServerCapabilities{},
	})
	s.addTools()
	s.addPrompts()
	s.addResourceTemplate()
	s.sync(nil)
	return s, nil
}

// rulesDirOf is the native rules root of the options, absolute (index's default when unset).
func rulesDirOf(o index.Options) string {
	dir := o.RulesDir
	if dir == "" {
		dir = ".ai-rules" // index's default (Options.RulesDir)
	}
	if filepath.IsAbs(dir) {
		return dir
	}
	root, err := filepath.Abs(o.Root)
	if err != nil {
		return ""
	}
	return filepath.Join(root, dir)
}

// Run serves one session on t until the client disconnects or ctx ends.
func (s *Server) Run(ctx context.Context, t sdk.Transport) error { return s.sdk.Run(ctx, t) }

// Connect starts a session on t and returns at once (tests, several sessions).
func (s *Server) Connect(ctx context.Context, t sdk.Transport) (*sdk.ServerSession, error) {
	return s.sdk.Connect(ctx, t, nil)
}

// Index is the workspace index the server answers from.
func (s *Server) Index() *index.Index { return s.ix }

// Close stops the watcher and closes the index.
func (s *Server) Close() error { return s.ix.Close() }

// changed handles a change the watcher applied: the resource list follows the rules.
func (s *Server) changed(c index.Change) {
	s.log.Info("index changed", zap.Uint64("generation", c.Generation),
		zap.Strings("added", c.Added), zap.Strings("updated", c.Updated), zap.Strings("removed", c.Removed))
	s.sync(&c)
	if s.onDone != nil {
		s.onDone(c)
	}
}
