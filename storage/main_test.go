package storage

import (
	"os"
	"sync"
	"testing"

	"github.com/dashbox/dashbox/internal/pgtest"
)

// shared is the PostgreSQL server of the tests that do not stop it, each
// on a database of its own: started on first use (initdb and start take a
// few seconds), closed by TestMain.
var shared struct {
	once sync.Once
	srv  *pgtest.Server
	err  error
}

func sharedServer(t *testing.T) *pgtest.Server {
	t.Helper()
	shared.once.Do(func() { shared.srv, shared.err = pgtest.Launch() })
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.srv
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.srv != nil {
		shared.srv.Close()
	}
	os.Exit(code)
}
