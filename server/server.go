package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/airules/airules/index"
	"go.lsp.dev/jsonrpc2"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// Version is the server version reported in serverInfo; cmd/airules sets it.
var Version = "dev"

// Options configure Run. Zero values are the defaults of `airules serve`.
type Options struct {
	// Logger receives the server's logs; nil discards them. Never stdout: it carries
	// the protocol.
	Logger *zap.Logger
	// Level, when set, is the level of Logger, changed by the logLevel setting.
	Level *zap.AtomicLevel
	// DBPath is passed to every index: "" for the user cache directory, ":memory:" in tests.
	DBPath string
	// UserRulesDir holds the user's own rules; "" means os.UserConfigDir()/airules/rules,
	// "-" means none (tests).
	UserRulesDir string
	// Debounce of the index watcher; 0 means the index default.
	Debounce time.Duration
	// LogToClient sends the logs to the client as window/logMessage while it is
	// attached (Logger receives them before and after): `airules serve` without
	// --log-file, so an editor shows them with their severity rather than as stderr.
	LogToClient bool
	// Counter counts tokens for every folder's index in a worker process
	// (index.CountWorker); nil counts in this one.
	Counter *index.CountWorker
	// MaxMessageSize bounds one JSON-RPC message; 0 means DefaultMaxMessageSize (64 MiB).
	MaxMessageSize int64

	// setup lets tests register extra methods before the session starts.
	setup func(*session)
}

// session is one LSP session: created by Run, it lives as long as the connection.
type session struct {
	opts Options
	conn jsonrpc2.Conn
	// frames is conn's stream: a packed answer is unpacked into it as is.
	frames *frameStream
	log    atomic.Pointer[zap.Logger]

	// ctx lives as long as the session; background goroutines stop when it ends.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	queue    *queue
	outbox   *queue // publications, in order, off the index's and the handlers' goroutines
	inflight inflight
	pub      publisher

	mu      sync.Mutex
	state   state
	caps    clientCaps
	cfg     settings
	initCfg settings // the defaults with the initialization options

	// clientAttached is set when initialize arrives: from then on logs go to the
	// client (logmessage.go).
	clientAttached atomic.Bool
	folders        []*folder
	docs           map[string]*document // by URI as the client sent it
	logFile        *os.File
	initialized    chan struct{} // closed by the initialized notification
	exit           chan int      // receives the exit code once

	// watchMu guards the id of the client file watchers' registration.
	watchMu  sync.Mutex
	watchSeq int
	watchID  string

	// Test hooks: beforeOpen runs before each index opens (to hold it back); onDeferred
	// after a request's answer was deferred (later); onConfig after settings were
	// applied.
	beforeOpen func()
	onDeferred func(method string)
	onConfig   func()

	// handlers is this session's copy of the dispatch table (handler.go); tests add
	// methods of their own to it (a handler that panics, one that blocks).
	handlers map[string]handler
}

// state is where the session is in the LSP lifecycle.
type state int

const (
	stateNew         state = iota // before initialize
	stateInitialized              // initialize answered
	stateShutdown                 // shutdown answered: only exit is accepted
)

// Run serves one LSP session over rwc until the client sends exit or the connection
// ends. The exit code is 0 after shutdown + exit and 1 otherwise, as the LSP spec asks.
// err reports a connection failure other than the client hanging up.
func Run(ctx context.Context, rwc io.ReadWriteCloser, opts Options) (exitCode int, err error) {
	s := newSession(ctx, opts)
	if opts.setup != nil {
		opts.setup(s)
	}
	stream := newTolerantStream(rwc, opts.MaxMessageSize, s.logger)
	s.frames = stream.frameStream
	s.conn = jsonrpc2.NewConn(stream)
	s.conn.Go(s.ctx, s.handle)

	select {
	case exitCode = <-s.exit:
	case <-s.conn.Done():
		exitCode = s.exitCodeNow()
		if e := s.conn.Err(); e != nil && !isHangup(e) {
			err = fmt.Errorf("connection: %w", e)
		}
	case <-ctx.Done():
		exitCode, err = 1, ctx.Err()
	}
	s.close()
	return exitCode, err
}

func newSession(ctx context.Context, opts Options) *session {
	s := &session{
		opts:        opts,
		cfg:         defaultConfig(),
		docs:        map[string]*document{},
		initialized: make(chan struct{}),
		exit:        make(chan int, 1),
		handlers:    maps.Clone(handlers),
	}
	log := opts.Logger
	if log == nil {
		log = zap.NewNop()
	}
	if opts.LogToClient {
		var level zapcore.LevelEnabler = log.Core()
		if opts.Level != nil {
			level = opts.Level
		}
		log = zap.New(newClientLog(s, log.Core(), level))
	}
	s.log.Store(log)
	s.ctx, s.cancel = context.WithCancel(context.WithoutCancel(ctx))
	s.queue = newQueue()
	s.outbox = newQueue()
	s.inflight.m = map[jsonrpc2.ID]*call{}
	s.pub.last = map[pubKey]pubState{}
	s.pub.clean = map[string]uint64{}
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		s.queue.run(s.ctx)
	}()
	go func() {
		defer s.wg.Done()
		s.outbox.run(s.ctx)
	}()
	return s
}

// logger is the current logger; the logFile setting can replace it.
func (s *session) logger() *zap.Logger { return s.log.Load() }

// exitCodeNow is the exit code if the session ended now.
func (s *session) exitCodeNow() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state == stateShutdown {
		return 0
	}
	return 1
}

// close ends the session: it stops background work, closes every index and the
// connection. It waits a bounded time: a stuck index must not keep the process alive.
func (s *session) close() {
	s.cancel()
	s.queue.close()
	s.outbox.close()
	_ = s.conn.Close()
	s.mu.Lock()
	folders := s.folders
	s.folders = nil
	lf := s.logFile
	s.mu.Unlock()
	for _, f := range folders {
		s.closeFolder(f)
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		s.logger().Warn("background work did not stop within 5s; exiting anyway")
	}
	_ = s.logger().Sync()
	if lf != nil {
		_ = lf.Close()
	}
}

// isHangup reports whether err only says the client went away.
func isHangup(err error) bool {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.ErrClosedPipe) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, os.ErrClosed) || errors.Is(err, context.Canceled) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "EOF") || strings.Contains(msg, "closed")
}

// setLogging applies the logLevel and logFile settings.
func (s *session) setLogging(level, file string) {
	if level != "" && s.opts.Level != nil {
		var l zapcore.Level
		if err := l.UnmarshalText([]byte(level)); err != nil {
			s.logger().Warn("ignoring logLevel", zap.String("logLevel", level), zap.Error(err))
		} else {
			s.opts.Level.SetLevel(l)
		}
	}
	if file == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.logFile != nil && s.logFile.Name() == file {
		return
	}
	f, err := os.OpenFile(file, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		s.logger().Warn("cannot open logFile; keeping the current log", zap.String("logFile", file), zap.Error(err))
		return
	}
	var lvl zapcore.LevelEnabler = zapcore.InfoLevel
	if s.opts.Level != nil {
		lvl = s.opts.Level
	}
	enc := zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig())
	s.log.Store(zap.New(zapcore.NewCore(enc, zapcore.AddSync(f), lvl)))
	if s.logFile != nil {
		_ = s.logFile.Close()
	}
	s.logFile = f
}
