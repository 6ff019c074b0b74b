package metrics

import (
	"bytes"
	"strings"
)

// help are the HELP texts of dashbox's own metric families.
var help = map[string]string{
	"dashbox_build_info":                        "dashbox's version and commit, and the Go version it was built with; always 1.",
	"dashbox_http_requests_total":               "HTTPS requests served, by route pattern, method and status class.",
	"dashbox_http_request_duration_seconds":     "How long HTTPS requests took to serve, from the handler's start to the response's end.",
	"dashbox_http_response_size_bytes_total":    "Bytes of response bodies sent, by route pattern, method and status class.",
	"dashbox_http_requests_in_flight":           "HTTPS requests being served now.",
	"dashbox_tls_handshakes_total":              "TLS handshakes on the HTTPS listener, by outcome and the version negotiated (unknown for failures).",
	"dashbox_tls_certificate_not_after_seconds": "When the certificate served for a name expires, as a Unix time.",
	"dashbox_acme_attempts_total":               "Attempts to obtain (first certificate) or renew a certificate from the ACME CA, by outcome.",
	"dashbox_login_refused_total":               "Logins refused, by reason: failed (wrong user or password, 401), blocked (too many failures, 429), busy (too many checks at once, 503).",
	"dashbox_callback_duration_seconds":         "How long dashboard callbacks' functions took, by dashboard path and callback name.",
	"dashbox_callback_errors_total":             "Dashboard callbacks that returned an error or panicked, by dashboard path and callback name.",
}

// dropped are the families of the library's Go and process metrics that
// break Prometheus' naming rules (a counter named _count, a gauge named
// _count), which promtool check metrics refuses; the rest is kept.
var dropped = map[string]bool{
	"go_cgo_calls_count": true,
	"go_cpu_count":       true,
	"go_gc_forced_count": true,
}

// tidyExposition fills in what VictoriaMetrics/metrics leaves out of its
// metadata, so promtool check metrics accepts the exposition: a help text
// for every family (dashbox's own from help; the library's Go and process
// metrics get one naming their source), the type counter for its
// _total-named gauges (process_io_*_total, which only grow), and the
// families in dropped left out.
func tidyExposition(in []byte) []byte {
	out := make([]byte, 0, len(in)+len(in)/4)
	for len(in) > 0 {
		line := in
		if i := bytes.IndexByte(in, '\n'); i >= 0 {
			line, in = in[:i+1], in[i+1:]
		} else {
			in = nil
		}
		body := string(bytes.TrimSuffix(line, []byte("\n")))
		switch {
		case strings.HasPrefix(body, "# HELP "):
			name, _, _ := strings.Cut(body[len("# HELP "):], " ")
			if dropped[name] {
				continue
			}
			out = append(out, "# HELP "+name+" "+helpText(name)+"\n"...)
		case strings.HasPrefix(body, "# TYPE "):
			name, typ, _ := strings.Cut(body[len("# TYPE "):], " ")
			if dropped[name] {
				continue
			}
			if typ == "gauge" && strings.HasSuffix(name, "_total") {
				typ = "counter"
			}
			out = append(out, "# TYPE "+name+" "+typ+"\n"...)
		default:
			name := body
			if i := strings.IndexAny(body, "{ "); i >= 0 {
				name = body[:i]
			}
			if dropped[name] {
				continue
			}
			out = append(out, line...)
		}
	}
	return out
}

func helpText(name string) string {
	if h, ok := help[name]; ok {
		return h
	}
	switch {
	case strings.HasPrefix(name, "go_"):
		return "Go runtime metric " + name + " (runtime/metrics, through VictoriaMetrics/metrics)."
	case strings.HasPrefix(name, "process_"):
		return "Process metric " + name + " (from /proc, through VictoriaMetrics/metrics)."
	}
	return name + "."
}
