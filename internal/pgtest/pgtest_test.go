package pgtest_test

import (
	"context"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/pgtest"
	"github.com/jackc/pgx/v5"
)

// TestServerStopStart: a database created on the server answers, is gone
// while the server is stopped, and answers again with its data after Start.
func TestServerStopStart(t *testing.T) {
	srv := pgtest.New(t)
	url := srv.NewDatabase(t, "dashbox")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	exec := func(sql string) error {
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := exec("CREATE TABLE t (x int); INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	srv.Stop(t)
	if err := exec("SELECT 1"); err == nil {
		t.Fatal("query succeeded on a stopped server")
	}
	srv.Start(t)
	if err := exec("SELECT x FROM t"); err != nil {
		t.Fatalf("after Start: %v", err)
	}
}

// TestServerTLS: a TLS server lets CertUser in with a client certificate
// from its CA and no password, over a connection that verifies the
// server's certificate, and refuses CertUser without one; postgres keeps
// its trust login.
func TestServerTLS(t *testing.T) {
	srv := pgtest.NewTLS(t)
	url := srv.NewCertDatabase(t, "certs")
	certFile, keyFile := srv.CA.ClientCert(t, pgtest.CertUser)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, url+"&sslcert="+certFile+"&sslkey="+keyFile)
	if err != nil {
		t.Fatalf("connecting with a client certificate: %v\n%s", err, srv.Log())
	}
	defer conn.Close(ctx)
	var user string
	var ssl bool
	if err := conn.QueryRow(ctx, `SELECT current_user, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`).Scan(&user, &ssl); err != nil {
		t.Fatal(err)
	}
	if user != pgtest.CertUser || !ssl {
		t.Errorf("connected as %q, TLS %v; want %s over TLS", user, ssl, pgtest.CertUser)
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE t (x int)`); err != nil {
		t.Errorf("%s cannot create a table in its database: %v", pgtest.CertUser, err)
	}

	if c, err := pgx.Connect(ctx, url); err == nil {
		c.Close(ctx)
		t.Error("CertUser logged in without a client certificate")
	}
	if c, err := pgx.Connect(ctx, srv.URL("certs")); err != nil {
		t.Errorf("postgres without TLS: %v", err)
	} else {
		c.Close(ctx)
	}
}
