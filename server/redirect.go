package server

import (
	"net"
	"net/http"
	"strconv"
	"strings"
)

// NewRedirectHandler answers every plain-HTTP request with a permanent
// redirect to the same host, path and query over HTTPS. httpsPort is added to
// the target unless it is 443.
//
// The status is 308, not 301, so that a POST stays a POST. A request whose
// Host header is missing or malformed, or whose target is not a path (as
// "OPTIONS *"), gets 400: a redirect built from it would send the browser
// somewhere nobody chose.
func NewRedirectHandler(httpsPort int) http.Handler {
	portSuffix := ""
	if httpsPort != 443 {
		portSuffix = ":" + strconv.Itoa(httpsPort)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, ok := requestHost(r.Host)
		if !ok {
			w.Header().Set("Connection", "close")
			http.Error(w, "400 Bad Request: missing or malformed Host header", http.StatusBadRequest)
			return
		}
		// Only a path is appended: "OPTIONS *" would make
		// "https://host*", whose host is another one.
		uri := r.URL.RequestURI()
		if !strings.HasPrefix(uri, "/") {
			w.Header().Set("Connection", "close")
			http.Error(w, "400 Bad Request: the request target is not a path", http.StatusBadRequest)
			return
		}
		if strings.Contains(host, ":") { // IPv6 literal
			host = "[" + host + "]"
		}
		target := "https://" + host + portSuffix + uri
		w.Header().Set("Location", target)
		w.Header().Set("Connection", "close")
		w.WriteHeader(http.StatusPermanentRedirect)
	})
}

// requestHost extracts the host name or IP address from a Host header value,
// dropping any port, and reports whether it is well formed.
func requestHost(hostport string) (string, bool) {
	if hostport == "" {
		return "", false
	}
	host := hostport
	if strings.HasPrefix(hostport, "[") || strings.Count(hostport, ":") == 1 {
		h, port, err := net.SplitHostPort(hostport)
		if err != nil {
			return "", false
		}
		if _, err := strconv.ParseUint(port, 10, 16); err != nil && port != "" {
			return "", false
		}
		host = h
	}
	if ip := net.ParseIP(host); ip != nil {
		if strings.Contains(host, ":") && !strings.HasPrefix(hostport, "[") {
			return "", false // a bare IPv6 literal is not a valid Host header
		}
		return ip.String(), true
	}
	if !isHostName(host) {
		return "", false
	}
	return strings.ToLower(strings.TrimSuffix(host, ".")), true
}
