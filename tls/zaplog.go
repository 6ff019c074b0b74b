package tls

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/certmagic"
	"github.com/dashbox/dashbox/internal/logthrottle"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// newZapLogger returns a zap logger that writes to logger, so certmagic's
// logs (which go through zap) join dashbox's one slog stream. Entries carry
// certmagic's logger name (e.g. "certmagic.obtain") in the "logger" attribute.
func newZapLogger(logger *slog.Logger) *zap.Logger {
	return zap.New(&slogCore{logger: logger, throttle: logthrottle.New(throttleWindow, throttleMaxClients)}).Named("certmagic")
}

// slogCore is a zapcore.Core that forwards entries and their fields to a
// slog.Logger. zap's debug, info and warn become slog's levels of the same
// name; error and everything above (certmagic never panics or exits through
// its logger, but zap has those levels) become slog's error.
type slogCore struct {
	logger   *slog.Logger
	throttle *logthrottle.Throttle // of handshakeMessages; shared by the cores With returns
}

var _ zapcore.Core = (*slogCore)(nil)

// Enabled asks the slog handler, so certmagic skips building entries that
// would be dropped (it logs every handshake at debug level).
func (c *slogCore) Enabled(level zapcore.Level) bool {
	return c.logger.Enabled(context.Background(), slogLevel(level))
}

// With returns a core whose entries carry fields.
func (c *slogCore) With(fields []zapcore.Field) zapcore.Core {
	return &slogCore{logger: slog.New(c.logger.Handler().WithAttrs(attrsFromFields(fields))), throttle: c.throttle}
}

// Check adds c to ce if the entry's level is enabled.
func (c *slogCore) Check(entry zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(entry.Level) {
		return ce.AddCore(entry, c)
	}
	return ce
}

// Write hands the entry to the slog handler, keeping its time and message.
// Handshake errors a client can repeat at will are demoted to debug after
// the first per client and minute (see handshakeMessages).
func (c *slogCore) Write(entry zapcore.Entry, fields []zapcore.Field) error {
	level, demoted := demote(c.throttle, time.Now(), entry, fields)
	if demoted && !c.Enabled(level) {
		return nil
	}
	record := slog.NewRecord(entry.Time, slogLevel(level), entry.Message, 0)
	if entry.LoggerName != "" {
		record.AddAttrs(slog.String("logger", entry.LoggerName))
	}
	record.AddAttrs(attrsFromFields(fields)...)
	return c.logger.Handler().Handle(context.Background(), record)
}

// Sync does nothing: slog handlers have no flush.
func (c *slogCore) Sync() error { return nil }

func slogLevel(level zapcore.Level) slog.Level {
	switch {
	case level <= zapcore.DebugLevel:
		return slog.LevelDebug
	case level == zapcore.InfoLevel:
		return slog.LevelInfo
	case level == zapcore.WarnLevel:
		return slog.LevelWarn
	default:
		return slog.LevelError
	}
}

// attrsFromFields converts zap fields in order. Errors stay error values
// (slog handlers print their message); everything else goes through zap's
// map encoder, which turns every field type (durations, times, string
// slices, ...) into plain Go values.
func attrsFromFields(fields []zapcore.Field) []slog.Attr {
	attrs := make([]slog.Attr, 0, len(fields))
	for _, f := range fields {
		switch f.Type {
		case zapcore.SkipType:
			continue
		case zapcore.StringType:
			if isPointer(f.String) {
				// certmagic names its certificate cache by address
				// ("cache=0xc000123400"): it tells an operator nothing
				// and differs on every start.
				continue
			}
			attrs = append(attrs, slog.String(f.Key, f.String))
			continue
		case zapcore.ErrorType:
			if err, ok := f.Interface.(error); ok && err != nil {
				attrs = append(attrs, slog.Any(f.Key, err))
				continue
			}
		}
		enc := zapcore.NewMapObjectEncoder()
		f.AddTo(enc)
		for k, v := range enc.Fields {
			attrs = append(attrs, slog.Any(k, v))
		}
	}
	return attrs
}

// isPointer reports whether s is a memory address as %p prints it.
func isPointer(s string) bool {
	hex, ok := strings.CutPrefix(s, "0x")
	if !ok || len(hex) < 6 {
		return false
	}
	for _, c := range hex {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

var setDefaultLoggersOnce sync.Once

// routeDefaultLoggers points certmagic's package-level loggers
// (certmagic.Default.Logger, certmagic.DefaultACME.Logger) at logger, once
// per process. dashbox passes its logger to every certmagic config it makes,
// so these are only a backstop for code paths that use the package defaults;
// without this they would write their own format to stderr. The first
// Manager's logger wins; a process normally has one Manager.
func routeDefaultLoggers(logger *zap.Logger) {
	setDefaultLoggersOnce.Do(func() {
		certmagic.Default.Logger = logger
		certmagic.DefaultACME.Logger = logger
	})
}
