package tls_test

import (
	"context"
	cryptotls "crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"

	dashtls "github.com/dashbox/dashbox/tls"
)

// A dashbox HTTPS server on the local CA, and a client that trusts nothing
// but dashbox's root.
func ExampleNew() {
	stateDir, err := os.MkdirTemp("", "dashbox-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(stateDir)

	certs, err := dashtls.New(context.Background(), dashtls.Config{
		StateDir: stateDir,
		Domains:  []string{"dash.example.com"},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer certs.Close()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{
		TLSConfig: certs.TLSConfig(),
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "hello over "+r.Proto)
		}),
	}
	go srv.ServeTLS(ln, "", "")
	defer srv.Close()

	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(certs.CA().RootPEM())
	client := &http.Client{Transport: &http.Transport{
		TLSClientConfig:   &cryptotls.Config{RootCAs: roots},
		ForceAttemptHTTP2: true,
	}}
	// By IP address: the client sends no SNI; the certificate for
	// 127.0.0.1 is chosen by the address it connected to.
	resp, err := client.Get("https://" + ln.Addr().String() + "/")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(string(body))
	fmt.Println("certificate for", resp.TLS.PeerCertificates[0].IPAddresses)
	// Output:
	// hello over HTTP/2.0
	// certificate for [127.0.0.1]
}

func ExampleValidateDomain() {
	for _, name := range []string{"dash.example.com", "10.0.0.5", "https://dash.example.com", "*.example.com", "dash.example.com:443"} {
		if err := dashtls.ValidateDomain(name); err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println("ok:", name)
	}
	// Output:
	// ok: dash.example.com
	// ok: 10.0.0.5
	// invalid domain "https://dash.example.com": give a bare host name like dash.example.com, without scheme
	// invalid domain "*.example.com": wildcards need DNS validation (ACME DNS-01 through the zone's DNS server, see docs/dns01.md); otherwise list each host name as a domain of its own
	// invalid domain "dash.example.com:443": give the host name without port (the port comes from the HTTPS listen address)
}

// Let's Encrypt for a public name, next to the local CA for localhost: the
// HTTP listener's handler goes through HTTPChallengeHandler, the HTTPS
// listener uses TLSConfig, and the certificate is obtained in the
// background, retried with backoff while the CA cannot be reached. Not run:
// it would ask Let's Encrypt.
func ExampleNew_letsEncrypt() {
	httpLn, _ := net.Listen("tcp", ":80")
	httpsLn, _ := net.Listen("tcp", ":443")
	certs, err := dashtls.New(context.Background(), dashtls.Config{
		StateDir: "/var/lib/dashbox",
		Domains:  []string{"dash.example.com"},
		ACME: &dashtls.ACMEConfig{
			CA:        dashtls.LetsEncryptStaging, // try staging first
			Email:     "ops@example.com",
			HTTPAddr:  httpLn.Addr().String(),
			HTTPSAddr: httpsLn.Addr().String(),
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer certs.Close()
	redirect := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://"+r.Host+r.URL.RequestURI(), http.StatusPermanentRedirect)
	})
	go http.Serve(httpLn, certs.HTTPChallengeHandler(redirect))
	srv := &http.Server{TLSConfig: certs.TLSConfig(), Handler: http.NotFoundHandler()}
	log.Fatal(srv.ServeTLS(httpsLn, "", ""))
}
