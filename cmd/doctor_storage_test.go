package cmd

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/pgtest"
	dashstorage "github.com/dashbox/dashbox/storage"
	"github.com/jackc/pgx/v5"
)

// TestDoctorStorage runs dashbox doctor with --storage on a real
// PostgreSQL 15: a new database (no tables yet), one serve has set up
// (schema, lock, clock OK), a user the server refuses, a schema newer
// than this binary's, and the server stopped each give their line.
func TestDoctorStorage(t *testing.T) {
	pg := pgtest.New(t)
	dbURL := pg.NewDatabase(t, "doctor")
	password := filepath.Join(t.TempDir(), "storage-password")
	if err := os.WriteFile(password, []byte("unused-with-trust\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(freePort(t))
	args := func(url string) []string {
		return []string{"--acme=false", "--https-addr", "127.0.0.1:" + port, "--http-addr", "",
			"--state-dir", filepath.Join(t.TempDir(), "state"), "--storage", url, "--storage-password-file", password}
	}
	check := "storage " + dbURL
	wantLine := func(t *testing.T, out, check, status string, words ...string) {
		t.Helper()
		line := doctorLine(t, out, check)
		if !strings.HasPrefix(line, status+" ") {
			t.Errorf("want %s: %s", status, line)
		}
		for _, w := range words {
			if !strings.Contains(line, w) {
				t.Errorf("lacks %q: %s", w, line)
			}
		}
	}

	t.Run("new database", func(t *testing.T) {
		out, err := runDoctorCLI(t, args(dbURL)...)
		if err != nil {
			t.Fatalf("doctor: %v", err)
		}
		wantLine(t, out, check, "OK", "no dashbox tables yet: serve creates them at its first start")
		wantLine(t, out, "storage lock", "WARN", "not checked")
	})

	// serve's start creates the schema.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := dashstorage.Open(ctx, dashstorage.Config{URL: dbURL})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()

	t.Run("set up", func(t *testing.T) {
		out, err := runDoctorCLI(t, args(dbURL)...)
		if err != nil {
			t.Fatalf("doctor: %v", err)
		}
		wantLine(t, out, check, "OK", "schema version 1 (this dashbox's), tables present")
		wantLine(t, out, "storage lock", "OK", "taken and released")
		wantLine(t, out, "storage clock", "OK", "within a second")
		wantLine(t, out, "file of --storage-password-file", "OK")
		// The lock was released: nothing is left in the table.
		conn, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var n int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM dashbox_locks`).Scan(&n); err != nil || n != 0 {
			t.Errorf("locks left after doctor: %d, %v", n, err)
		}
	})

	t.Run("login refused", func(t *testing.T) {
		url := strings.Replace(dbURL, "postgres@", "nobody@", 1)
		out, err := runDoctorCLI(t, args(url)...)
		if exitCode(err) != 1 {
			t.Errorf("doctor: %v, want exit 1", err)
		}
		wantLine(t, out, "storage "+url, "FAIL", `role "nobody" does not exist`, "fix: check the user in --storage and its password in --storage-password-file")
	})

	t.Run("schema newer than this binary", func(t *testing.T) {
		conn, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `UPDATE dashbox_schema_version SET version = 99`); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Exec(context.Background(), `UPDATE dashbox_schema_version SET version = 1`) })
		out, err := runDoctorCLI(t, args(dbURL)...)
		if exitCode(err) != 1 {
			t.Errorf("doctor: %v, want exit 1", err)
		}
		wantLine(t, out, check, "FAIL", "version 99, newer than this dashbox's 1", "fix: upgrade dashbox on this machine")
	})

	t.Run("unreachable", func(t *testing.T) {
		pg.Stop(t)
		out, err := runDoctorCLI(t, args(dbURL)...)
		if exitCode(err) != 1 {
			t.Errorf("doctor: %v, want exit 1", err)
		}
		wantLine(t, out, check, "FAIL", "fix: check the host and port in --storage, that PostgreSQL runs")
	})
}
