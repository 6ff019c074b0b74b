package server

import (
	"bufio"
	"crypto/tls"
	"net"
	"net/http"
	"testing"
	"time"
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
