package server

import (
	"bufio"
	"crypto/tls"
	"net"
	"net/http"
	"testing"
	"time"

	"golang.org/x/net/http2"
)

// TestDrainAnswersFirstRequestOfNewConnection: a connection accepted before
// the drain began whose request arrives after it is answered, not closed
// unanswered (which net/http's Shutdown alone does: the client sees EOF
// and does not retry), and the listener takes no new connection.
func TestDrainAnswersFirstRequestOfNewConnection(t *testing.T) {
	ln, client, stop := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok"))
	}), Config{})
	cliTLS := client.Transport.(*http.Transport).TLSClientConfig.Clone()
	cliTLS.NextProtos = []string{"http/1.1"}
	conn, err := tls.Dial("tcp", ln.HTTPSAddr().String(), cliTLS)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	// Once the listener is closed, the drain has begun.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", ln.HTTPSAddr().String(), time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the listener still accepts 5 s after the drain began")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := conn.Write([]byte("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the request sent on a connection accepted before the drain got no answer: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("status %s", resp.Status)
	}
	if err := <-stopped; err != nil {
		t.Errorf("Serve: %v", err)
	}
}

// TestDrainSendsHTTP2GOAWAY: an HTTP/2 connection open when the drain
// begins gets a GOAWAY frame (no error), so the browser sends its next
// request on a new connection (to the next process) without failing one.
func TestDrainSendsHTTP2GOAWAY(t *testing.T) {
	ln, client, stop := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}), Config{})
	cliTLS := client.Transport.(*http.Transport).TLSClientConfig.Clone()
	cliTLS.NextProtos = []string{"h2"}
	conn, err := tls.Dial("tcp", ln.HTTPSAddr().String(), cliTLS)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if p := conn.ConnectionState().NegotiatedProtocol; p != "h2" {
		t.Fatalf("negotiated %q, want h2", p)
	}
	if _, err := conn.Write([]byte(http2.ClientPreface)); err != nil {
		t.Fatal(err)
	}
	fr := http2.NewFramer(conn, conn)
	if err := fr.WriteSettings(); err != nil {
		t.Fatal(err)
	}
	go stop()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			t.Fatalf("connection ended without GOAWAY: %v", err)
		}
		if s, ok := f.(*http2.SettingsFrame); ok && !s.IsAck() {
			fr.WriteSettingsAck()
		}
		if g, ok := f.(*http2.GoAwayFrame); ok {
			if g.ErrCode != http2.ErrCodeNo {
				t.Errorf("GOAWAY with %v, want NO_ERROR", g.ErrCode)
			}
			return
		}
	}
}
