package server

import (
	"encoding/json"
	"maps"
	"net"
	"net/http"
	"net/netip"
)

// handleHealthz answers load balancers and systemd: 200 while the server
// serves, with a constant body, cheap and allocation-free.
//
// /healthz?details=1 from the loopback interface adds details (the state of
// every certificate: issuer, expiry, last error), for an operator on the
// machine: curl -s https://localhost/healthz?details=1. Other clients get
// the plain answer: the details name every host the server answers for and
// the errors its CA returned, which are nobody else's business. Operators
// elsewhere read the same from 'dashbox certs' or the log.
func handleHealthz(details func() map[string]any) http.HandlerFunc {
	body := []byte("{\"status\":\"ok\"}\n")
	return func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Cache-Control", "no-store")
		if details != nil && r.URL.RawQuery != "" && r.URL.Query().Get("details") == "1" && fromLoopback(r) {
			answer := map[string]any{"status": "ok"}
			maps.Copy(answer, details())
			answer["status"] = "ok"
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			enc.Encode(answer)
			return
		}
		w.Write(body)
	}
}

// fromLoopback reports whether r came from this machine's loopback
// interface. RemoteAddr is the TCP peer, which a client cannot forge;
// headers such as X-Forwarded-For are not trusted.
func fromLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	addr, err := netip.ParseAddr(host)
	return err == nil && addr.Unmap().IsLoopback()
}
