package server

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestAccessLogCombinedFormat(t *testing.T) {
	var buf bytes.Buffer
	h := AccessLog(&buf)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
		w.Write([]byte("hello"))
	}))
	r := httptest.NewRequest("GET", "/apps/app1?x=1", nil)
	r.RemoteAddr = "192.0.2.7:51234"
	r.Header.Set("Referer", "https://dash.example.com/")
	r.Header.Set("User-Agent", `evil "agent" \ with`+"\n"+`newline`)
	h.ServeHTTP(httptest.NewRecorder(), r)

	line := buf.String()
	re := regexp.MustCompile(`^192\.0\.2\.7 - - \[\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "GET /apps/app1\?x=1 HTTP/1\.1" 418 5 "https://dash\.example\.com/" "evil \\x22agent\\x22 \\x5C with\\x0Anewline"\n$`)
	if !re.MatchString(line) {
		t.Fatalf("line does not match the combined format:\n%q", line)
	}
}

func TestAccessLogDefaultsAndDashes(t *testing.T) {
	var buf bytes.Buffer
	h := AccessLog(&buf)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	r := httptest.NewRequest("HEAD", "/", nil)
	r.RemoteAddr = "[::1]:4444"
	h.ServeHTTP(httptest.NewRecorder(), r)
	if want := `"HEAD / HTTP/1.1" 200 0 "-" "-"`; !strings.Contains(buf.String(), want) {
		t.Fatalf("got %q, want it to contain %q", buf.String(), want)
	}
	if !strings.HasPrefix(buf.String(), "::1 - - [") {
		t.Fatalf("remote address: got %q", buf.String())
	}
}

func TestAppendCombinedTime(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	now := time.Date(2026, 11, 27, 7, 5, 9, 0, time.FixedZone("", -7*3600))
	got := string(appendCombined(nil, r, &statusWriter{status: 200}, now))
	if !strings.Contains(got, "[27/Nov/2026:07:05:09 -0700]") {
		t.Fatalf("time_local: got %q", got)
	}
}

func TestAccessLogNilWriterIsPassThrough(t *testing.T) {
	next := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	if h := AccessLog(nil)(next); h == nil {
		t.Fatal("nil handler")
	}
}

func BenchmarkAccessLog(b *testing.B) {
	var sink countingWriter
	h := AccessLog(&sink)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok"))
	}))
	r := httptest.NewRequest("GET", "/static/css/dashbox.css", nil)
	r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) bench")
	w := httptest.NewRecorder()
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, r)
	}
}

type countingWriter struct{ n int }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += len(p); return len(p), nil }
