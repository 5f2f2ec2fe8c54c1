package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/airules/airules/index"
	mcpserver "github.com/airules/airules/server/mcp"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// mcpOptions are the parsed flags of `airules mcp`.
type mcpOptions struct {
	workspace workspaceFlags
	logLevel  string
}

// runMCP serves one MCP session on stdin/stdout until the client closes it. Its exit
// code is 0 when the client ended the session, 1 on an error, 2 on bad options.
func runMCP(o mcpOptions, stdin io.Reader, stdout, stderr io.Writer) int {
	serverGC()
	level, err := zapcore.ParseLevel(o.logLevel)
	if err != nil {
		fmt.Fprintf(stderr, "airules mcp: --log-level: %v\n", err)
		return 2
	}
	root, err := o.workspace.resolveRoot(".")
	if err != nil {
		fmt.Fprintf(stderr, "airules mcp: %v\n", err)
		return 2
	}
	enc := zap.NewDevelopmentEncoderConfig()
	log := zap.New(zapcore.NewCore(zapcore.NewConsoleEncoder(enc), zapcore.Lock(zapcore.AddSync(stderr)), level))
	defer func() { _ = log.Sync() }()
	sdkLevel := slog.LevelWarn
	if level <= zapcore.DebugLevel {
		sdkLevel = slog.LevelDebug
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	iopt := index.Options{
		Root: root, RulesDir: o.workspace.rulesDir, UserRulesDir: userRulesDir(), Cause: "mcp", Logger: log,
	}
	if o.workspace.noCache {
		iopt.DBPath = ":memory:"
	}
	if iopt.Counter = newCountWorker(log.Named("counter")); iopt.Counter != nil {
		defer iopt.Counter.Close()
	}
	srv, err := mcpserver.New(ctx, mcpserver.Options{
		Index: iopt, Version: version(), Logger: log,
		SDKLogger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: sdkLevel})),
	})
	if err != nil {
		fmt.Fprintf(stderr, "airules mcp: %v\n", err)
		return 1
	}
	defer srv.Close()
	m := srv.Index().Metrics()
	log.Info("airules mcp", zap.String("version", version()), zap.String("root", root),
		zap.Int("rules", m.Rules), zap.String("db", m.DBPath), zap.Bool("inMemory", m.InMemory))

	t := &sdk.IOTransport{Reader: readCloser{stdin}, Writer: writeCloser{stdout}}
	if err := srv.Run(ctx, t); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, io.EOF) {
		log.Error("mcp session ended", zap.Error(err))
		return 1
	}
	return 0
}

// readCloser closes standard input when it can, so a blocked read ends with the session.
type readCloser struct{ io.Reader }

func (r readCloser) Close() error {
	if c, ok := r.Reader.(io.Closer); ok && r.Reader != io.Reader(os.Stdin) {
		return c.Close()
	}
	return nil
}

// writeCloser never closes standard output: the process's own exit does.
type writeCloser struct{ io.Writer }

func (writeCloser) Close() error { return nil }
