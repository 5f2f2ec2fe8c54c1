package main

import (
	"context"
	"errors"
	"flag"
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

func cmdMCP(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mcp", flag.ContinueOnError)
	var o mcpOptions
	addWorkspaceFlags(fs, &o.workspace)
	fs.StringVar(&o.logLevel, "log-level", "info", "log `level` on standard error: debug, info, warn or error")
	fs.Usage = usageFor(fs, "mcp [--root DIR] [--rules-dir DIR] [--no-cache] [--log-level LEVEL]", `
Serve the workspace's rules over the Model Context Protocol on standard input and output,
for assistants that speak MCP (Claude Code, Codex, Copilot agent mode, Cursor, ...). Tools:
rules_for_file (the rules of a file, cut to a token budget, as airules/context and
'airules context --json' give them), get_rule, list_rules and lint_rules; every rule is a
resource airules://rule/<id>; the prompt rules-context renders a file's rules. The rule
files are watched: a change reaches the next call and sends resources/list_changed.

The workspace is --root, else the nearest folder above the working directory with
.ai-rules or .git. Logs go to standard error only.`)
	if ok, code := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "airules mcp: unexpected arguments %q\n", fs.Args())
		return 2
	}
	return runMCP(o, stdin, stdout, stderr)
}

// runMCP serves one MCP session on stdin/stdout until the client closes it. Its exit
// code is 0 when the client ended the session, 1 on an error, 2 on bad options.
func runMCP(o mcpOptions, stdin io.Reader, stdout, stderr io.Writer) int {
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
