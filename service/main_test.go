package service

import (
	"encoding/json"
	"os"
	"testing"
)

// argvDumpEnv, when set, turns this test binary into a probe that writes its
// arguments as JSON to the named file and exits: the container test runs it
// from a real unit's ExecStart= to see the argv systemd hands over.
const argvDumpEnv = "DASHBOX_TEST_ARGV_DUMP"

func TestMain(m *testing.M) {
	if path := os.Getenv(argvDumpEnv); path != "" {
		b, err := json.Marshal(os.Args[1:])
		if err == nil {
			err = os.WriteFile(path, b, 0o644)
		}
		if err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}
