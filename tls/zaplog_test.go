package tls

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/testenv"

	"go.uber.org/zap"
)

// jsonLines parses what a slog JSON handler wrote.
func jsonLines(tb testing.TB, s string) []map[string]any {
	tb.Helper()
	var records []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(s), "\n") {
		if line == "" {
			continue
		}
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			tb.Fatalf("bad JSON log line %q: %v", line, err)
		}
		records = append(records, r)
	}
	return records
}

func TestZapToSlog(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	zl := newZapLogger(logger).Named("obtain").With(zap.String("cache", "0xc000123400"), zap.String("cert", "0x1"))

	when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	zl.Debug("dropped: below the handler's level")
	zl.Info("certificate obtained successfully",
		zap.String("identifier", "localhost"),
		zap.Int("attempt", 2),
		zap.Strings("subjects", []string{"a", "b"}),
		zap.Duration("remaining", 90*time.Second),
		zap.Time("expiration", when),
		zap.Bool("managed", true),
		zap.Error(errors.New("boom")),
	)
	zl.Warn("warned")
	zl.Error("failed")

	records := jsonLines(t, buf.String())
	if len(records) != 3 {
		t.Fatalf("got %d records, want 3 (debug dropped):\n%s", len(records), buf.String())
	}
	info := records[0]
	want := map[string]any{
		"level":      "INFO",
		"msg":        "certificate obtained successfully",
		"logger":     "certmagic.obtain",
		"cert":       "0x1", // too short for an address: kept
		"identifier": "localhost",
		"attempt":    float64(2),
		"subjects":   []any{"a", "b"},
		"remaining":  float64(90 * time.Second),
		"expiration": when.Format(time.RFC3339),
		"managed":    true,
		"error":      "boom",
	}
	for k, v := range want {
		got, _ := json.Marshal(info[k])
		exp, _ := json.Marshal(v)
		if string(got) != string(exp) {
			t.Errorf("%s = %s, want %s", k, got, exp)
		}
	}
	if _, ok := info["cache"]; ok {
		t.Errorf("cache = %v: memory addresses are left out", info["cache"])
	}
	if records[1]["level"] != "WARN" || records[2]["level"] != "ERROR" {
		t.Errorf("levels %v, %v; want WARN, ERROR", records[1]["level"], records[2]["level"])
	}
}

// certmagic's own logs reach the injected logger, in the same stream.
func TestManagerLogsThroughSlog(t *testing.T) {
	buf := &testenv.SyncBuffer{}
	logger := slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	m := mustNewManager(t, Config{Logger: logger}, managerOptions{})
	m.Close()

	var fromCertmagic, obtained int
	for _, r := range jsonLines(t, buf.String()) {
		if name, _ := r["logger"].(string); strings.HasPrefix(name, "certmagic") {
			fromCertmagic++
		}
		if r["msg"] == "certificate obtained successfully" {
			obtained++
		}
	}
	if fromCertmagic == 0 || obtained != len(m.Names()) {
		t.Errorf("%d certmagic records, %d 'obtained' for %d names; log:\n%s", fromCertmagic, obtained, len(m.Names()), buf.String())
	}
}
