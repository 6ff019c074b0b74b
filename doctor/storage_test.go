package doctor

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestStorageJudgement checks how the storage checks judge what the
// database reported (cmd's TestDoctorStorage runs them on PostgreSQL; a
// database clock that is off, a lock refused or tables dropped by hand
// are set up here).
func TestStorageJudgement(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	good := StorageState{SchemaVersion: 1, SupportedVersion: 1, CanCreate: true, LockChecked: true, DatabaseNow: now, LocalNow: now.Add(300 * time.Millisecond)}
	run := func(st StorageState, err error) []Result {
		return checkStorage(context.Background(), Config{Storage: &Storage{
			Where: "db:5432/dashbox", URLLabel: "--storage", PasswordLabel: "--storage-password-file",
			Inspect: func(context.Context) (StorageState, error) { return st, err },
		}})
	}
	for _, tc := range []struct {
		name   string
		change func(*StorageState)
		err    error
		at     int // index of the result judged
		want   Status
		words  string
	}{
		{"good", func(*StorageState) {}, nil, 0, OK, "schema version 1"},
		{"clock 30 s behind", func(s *StorageState) { s.LocalNow = now.Add(-30 * time.Second) }, nil, 2, Warn, "30s behind the database's"},
		{"clock 8 s ahead", func(s *StorageState) { s.LocalNow = now.Add(8 * time.Second) }, nil, 2, OK, "8s ahead of the database's: within 10s"},
		{"lock refused", func(s *StorageState) { s.LockErr = errors.New("permission denied for table dashbox_locks") }, nil, 1, Fail, "permission denied"},
		{"tables dropped", func(s *StorageState) { s.MissingTables = []string{"dashbox_storage"} }, nil, 0, Fail, "tables dashbox_storage are missing"},
		{"older schema", func(s *StorageState) { s.SupportedVersion = 2 }, nil, 0, Warn, "migrates to 2"},
		{"no tables, no right", func(s *StorageState) { s.SchemaVersion, s.CanCreate, s.LockChecked = 0, false, false }, nil, 0, Fail, "may not create them"},
		{"no database", nil, fmt.Errorf("x: %w", ErrStorageNoDatabase), 0, Fail, "x: no such database"},
	} {
		st := good
		if tc.change != nil {
			tc.change(&st)
		}
		rs := run(st, tc.err)
		if tc.at >= len(rs) {
			t.Errorf("%s: %v", tc.name, rs)
			continue
		}
		if r := rs[tc.at]; r.Status != tc.want || !strings.Contains(r.Message, tc.words) || (r.Status != OK && r.Fix == "") {
			t.Errorf("%s: got %s, want %s with %q and a fix", tc.name, r, tc.want, tc.words)
		}
	}
}
