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
