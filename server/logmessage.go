package server

import (
	"strings"

	"go.uber.org/zap/zapcore"
)

// LSP's MessageType values of window/logMessage.
const (
	messageError   = 1
	messageWarning = 2
	messageInfo    = 3
	messageLog     = 4
)

// clientLog is a zap core that sends log entries to the client as window/logMessage
// once the client is attached (from initialize on: the spec allows logMessage while
// initialize is served), so editors show them with the right severity: VS Code marks
// everything a server writes on stderr as an error. Before that, and after the
// session ends, entries go to the fallback core (stderr).
type clientLog struct {
	zapcore.LevelEnabler
	s        *session
	enc      zapcore.Encoder
	fallback zapcore.Core
}

func newClientLog(s *session, fallback zapcore.Core, level zapcore.LevelEnabler) *clientLog {
	cfg := zapcore.EncoderConfig{MessageKey: "msg", NameKey: "logger", LineEnding: "",
		EncodeDuration: zapcore.StringDurationEncoder, ConsoleSeparator: " "}
	return &clientLog{LevelEnabler: level, s: s, enc: zapcore.NewConsoleEncoder(cfg), fallback: fallback}
}

func (c *clientLog) With(fields []zapcore.Field) zapcore.Core {
	enc := c.enc.Clone()
	for _, f := range fields {
		f.AddTo(enc)
	}
	return &clientLog{LevelEnabler: c.LevelEnabler, s: c.s, enc: enc, fallback: c.fallback.With(fields)}
}

func (c *clientLog) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

func (c *clientLog) Write(e zapcore.Entry, fields []zapcore.Field) error {
	if !c.s.attached() {
		return c.fallback.Write(e, fields)
	}
	buf, err := c.enc.EncodeEntry(e, fields)
	if err != nil {
		return err
	}
	msg := strings.TrimSpace(buf.String())
	buf.Free()
	typ := messageLog
	switch {
	case e.Level >= zapcore.ErrorLevel:
		typ = messageError
	case e.Level == zapcore.WarnLevel:
		typ = messageWarning
	case e.Level == zapcore.InfoLevel:
		typ = messageInfo
	}
	if err := c.s.conn.Notify(c.s.ctx, "window/logMessage", map[string]any{"type": typ, "message": msg}); err != nil {
		return c.fallback.Write(e, fields)
	}
	return nil
}

func (c *clientLog) Sync() error { return c.fallback.Sync() }

// attached reports whether a client sent initialize and the session still runs. It
// takes no lock: it runs inside the logger, which code holding s.mu may call.
func (s *session) attached() bool {
	select {
	case <-s.ctx.Done():
		return false
	default:
	}
	return s.clientAttached.Load()
}
