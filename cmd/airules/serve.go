package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/airules/airules/server"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// serveOptions are the parsed flags of `airules serve`.
type serveOptions struct {
	listen   string
	logFile  string
	logLevel string
}

// runServe runs the language server over stdio, or over one TCP connection with
// --listen. Its exit code is the LSP one: 0 after shutdown + exit, 1 otherwise.
func runServe(o serveOptions, stdin io.Reader, stdout, stderr io.Writer) int {
	serverGC()
	level := zap.NewAtomicLevel()
	if err := level.UnmarshalText([]byte(o.logLevel)); err != nil {
		fmt.Fprintf(stderr, "airules serve: --log-level: %v\n", err)
		return 2
	}
	var sink zapcore.WriteSyncer = zapcore.AddSync(stderr)
	if o.logFile != "" {
		f, err := os.OpenFile(o.logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			fmt.Fprintf(stderr, "airules serve: %v\n", err)
			return 1
		}
		defer f.Close()
		sink = zapcore.AddSync(f)
	}
	enc := zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig())
	log := zap.New(zapcore.NewCore(enc, zapcore.Lock(sink), level))
	defer func() { _ = log.Sync() }()
	server.Version = version()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var rwc io.ReadWriteCloser = stdio{stdin, stdout}
	if o.listen != "" {
		ln, err := net.Listen("tcp", o.listen)
		if err != nil {
			fmt.Fprintf(stderr, "airules serve: %v\n", err)
			return 1
		}
		log.Info("waiting for one connection", zap.String("addr", ln.Addr().String()))
		conn, err := acceptOne(ctx, ln)
		_ = ln.Close()
		if err != nil {
			fmt.Fprintf(stderr, "airules serve: %v\n", err)
			return 1
		}
		rwc = conn
	}
	// Debug: no client is attached yet, and an editor shows a server's stderr as errors.
	log.Debug("airules serve", zap.String("version", server.Version))
	counter := newCountWorker(log.Named("counter"))
	defer counter.Close()
	code, err := server.Run(ctx, rwc, server.Options{Logger: log, Level: &level, LogToClient: o.logFile == "", Counter: counter})
	if err != nil {
		log.Error("server stopped", zap.Error(err))
	}
	return code
}

// acceptOne waits for one connection, or for ctx (Ctrl-C).
func acceptOne(ctx context.Context, ln net.Listener) (net.Conn, error) {
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		c, err := ln.Accept()
		ch <- result{c, err}
	}()
	select {
	case r := <-ch:
		return r.c, r.err
	case <-ctx.Done():
		_ = ln.Close()
		return nil, errors.New("interrupted while waiting for a connection")
	}
}

// stdio joins standard input and output into the connection of the server. Close
// closes what can be closed, so a read blocked on stdin ends when the session does.
type stdio struct {
	in  io.Reader
	out io.Writer
}

// SyscallConn is standard output's descriptor, when it has one: the server asks the
// kernel whether an answer goes through at once before it guards the write.
func (s stdio) SyscallConn() (syscall.RawConn, error) {
	if c, ok := s.out.(syscall.Conn); ok {
		return c.SyscallConn()
	}
	return nil, errors.ErrUnsupported
}

func (s stdio) Read(p []byte) (int, error)  { return s.in.Read(p) }
func (s stdio) Write(p []byte) (int, error) { return s.out.Write(p) }
func (s stdio) Close() error {
	var errs []error
	if c, ok := s.in.(io.Closer); ok {
		errs = append(errs, c.Close())
	}
	if c, ok := s.out.(io.Closer); ok && s.out != io.Writer(os.Stdout) {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// serverGC sets the collector of a long-running server (serve, mcp): its heap is the
// index, held for the session, and what a request allocates is small and short-lived
// (a repeated request allocates nearly nothing), so collecting after a quarter of the
// live heap's growth rather than all of it keeps the resident memory near the index's
// size for little work (BenchmarkContextVSCode: rss-MB, and p99-ms, unchanged at 10,000
// rules; at 50,000 the p99 of first requests grows). GOGC in the environment wins.
func serverGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(25)
	}
}
