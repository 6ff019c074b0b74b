package tls

import (
	"fmt"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/logthrottle"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

func TestClientThrottle(t *testing.T) {
	now := time.Date(2026, 12, 7, 3, 45, 0, 0, time.UTC)
	th := logthrottle.New(throttleWindow, throttleMaxClients)
	allow := func(client string) bool {
		entry := zapcore.Entry{Level: zapcore.ErrorLevel, Message: "tls-alpn challenge"}
		_, demoted := demote(th, now, entry, []zapcore.Field{zap.String("remote_addr", client)})
		return !demoted
	}

	if !allow("192.0.2.1:4000") {
		t.Fatal("first message of a client demoted")
	}
	if allow("192.0.2.1:4001") {
		t.Error("same client from another port within the minute not demoted")
	}
	if !allow("[2001:db8::1]:4000") {
		t.Error("another client demoted")
	}
	now = now.Add(throttleWindow - time.Second)
	if allow("192.0.2.1:4002") {
		t.Error("repeat at 59s not demoted")
	}
	now = now.Add(time.Second)
	if !allow("192.0.2.1:4003") {
		t.Error("repeat after a minute demoted")
	}

	// Memory is bounded: past throttleMaxClients new clients are demoted
	// until the window ends.
	for i := range throttleMaxClients {
		allow(fmt.Sprintf("10.%d.%d.%d:1", i>>16&0xff, i>>8&0xff, i&0xff))
	}
	if allow("198.51.100.1:1") {
		t.Error("a new client past the cap was not demoted")
	}
	now = now.Add(throttleWindow + time.Second)
	if !allow("198.51.100.1:1") {
		t.Error("a new client once the window ended was demoted")
	}
}

// Only certmagic's handshake messages are throttled; other errors, and
// handshake messages below warn level, keep their level.
func TestThrottleDemotesOnlyHandshakeMessages(t *testing.T) {
	th := logthrottle.New(throttleWindow, throttleMaxClients)
	remote := []zapcore.Field{zap.String("remote_addr", "192.0.2.7:1234")}
	for i, c := range []struct {
		entry zapcore.Entry
		want  zapcore.Level
	}{
		{zapcore.Entry{Level: zapcore.ErrorLevel, Message: "tls-alpn challenge"}, zapcore.ErrorLevel},
		{zapcore.Entry{Level: zapcore.ErrorLevel, Message: "tls-alpn challenge"}, zapcore.DebugLevel},
		{zapcore.Entry{Level: zapcore.ErrorLevel, Message: "renewing certificate"}, zapcore.ErrorLevel},
		{zapcore.Entry{Level: zapcore.ErrorLevel, Message: "renewing certificate"}, zapcore.ErrorLevel},
		{zapcore.Entry{Level: zapcore.InfoLevel, Message: "tls-alpn challenge"}, zapcore.InfoLevel},
	} {
		if got, _ := demote(th, time.Now(), c.entry, remote); got != c.want {
			t.Errorf("%d: %q at %v logged at %v, want %v", i, c.entry.Message, c.entry.Level, got, c.want)
		}
	}
}
