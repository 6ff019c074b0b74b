package server

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// AccessLog writes one line per request in nginx's "combined" format, so
// goaccess, GoAccess dashboards, fail2ban filters and every nginx log tool read
// dashbox's log as they read nginx's:
//
//	$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent"
//
// Like nginx, the line is written when the response is complete, and bytes
// outside printable ASCII, '"' and '\' are escaped as \xHH so that a hostile
// User-Agent cannot forge a line. The client address is the connection's: no
// X-Forwarded-For header is believed.
func AccessLog(w io.Writer) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		if w == nil {
			return next
		}
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			sw := &statusWriter{ResponseWriter: rw}
			defer func() {
				buf := linePool.Get().(*[]byte)
				line := appendCombined((*buf)[:0], r, sw, time.Now())
				w.Write(line)
				*buf = line
				linePool.Put(buf)
			}()
			next.ServeHTTP(sw, r)
		})
	}
}

var linePool = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

// appendCombined appends one combined-format line, newline included.
func appendCombined(b []byte, r *http.Request, sw *statusWriter, now time.Time) []byte {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	b = appendEscaped(b, host)
	b = append(b, " - "...)
	b = appendField(b, sw.user) // $remote_user: set by BasicAuth
	b = append(b, " ["...)
	b = now.AppendFormat(b, "02/Jan/2006:15:04:05 -0700")
	b = append(b, "] \""...)
	b = appendEscaped(b, r.Method)
	b = append(b, ' ')
	b = appendEscaped(b, r.RequestURI)
	b = append(b, ' ')
	b = appendEscaped(b, r.Proto)
	b = append(b, "\" "...)
	status := sw.status
	if status == 0 {
		status = http.StatusOK
	}
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, sw.bytes, 10)
	b = append(b, " \""...)
	b = appendField(b, r.Header.Get("Referer"))
	b = append(b, "\" \""...)
	b = appendField(b, r.Header.Get("User-Agent"))
	b = append(b, "\"\n"...)
	return b
}

func appendField(b []byte, s string) []byte {
	if s == "" {
		return append(b, '-')
	}
	return appendEscaped(b, s)
}

const hexDigits = "0123456789ABCDEF"

// appendEscaped escapes as nginx's escape=default does.
func appendEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			b = append(b, '\\', 'x', hexDigits[c>>4], hexDigits[c&0xf])
			continue
		}
		b = append(b, c)
	}
	return b
}

// statusWriter records the status and body size of a response for the log,
// and the user BasicAuth authenticated. Unwrap lets http.ResponseController
// reach the connection (flush, deadlines).
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
	user   string
}

// setLogUser records the authenticated user for the access log line of the
// response w belongs to. The middleware between the access log and the
// caller hand w down, or wrap it with an Unwrap method: the user travels
// with the response writer the access log already allocates, not in a
// context value that would cost a request copy.
func setLogUser(w http.ResponseWriter, user string) {
	for {
		switch t := w.(type) {
		case *statusWriter:
			t.user = user
			return
		case interface{ Unwrap() http.ResponseWriter }:
			w = t.Unwrap()
		default:
			return // no access log
		}
	}
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// ReadFrom keeps io.Copy's fast path (sendfile on plain connections).
func (w *statusWriter) ReadFrom(src io.Reader) (int64, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := io.Copy(w.ResponseWriter, src)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
