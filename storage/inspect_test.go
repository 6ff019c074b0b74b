package storage

import (
	"context"
	"testing"
	"time"
)

// TestInspectChangesNothing: Inspect on a new database creates no table
// (doctor changes nothing), and once Open made the schema it reports it,
// takes and releases its lock, and reads the database's clock.
func TestInspectChangesNothing(t *testing.T) {
	url := sharedServer(t).NewDatabase(t, "inspect")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for range 2 {
		in, err := Inspect(ctx, Config{URL: url}, "doctor-test")
		if err != nil {
			t.Fatal(err)
		}
		if in.SchemaVersion != 0 || len(in.MissingTables) != 3 || in.LockChecked || !in.CanCreate {
			t.Fatalf("new database: %+v", in)
		}
	}
	p, err := Open(ctx, Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	in, err := Inspect(ctx, Config{URL: url}, "doctor-test")
	if err != nil {
		t.Fatal(err)
	}
	if in.SchemaVersion != schemaVersion || in.SupportedVersion != schemaVersion || len(in.MissingTables) != 0 || !in.LockChecked || in.LockErr != nil {
		t.Errorf("set-up database: %+v", in)
	}
	if off := in.LocalNow.Sub(in.DatabaseNow).Abs(); off > time.Second {
		t.Errorf("the database on this machine is %s off", off)
	}
}
