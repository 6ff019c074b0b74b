package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestServiceUnitMaxConnections: --max-connections, a flag with a separate
// value as much as from the environment, reaches the unit's ExecStart= as
// one word; a bad value is refused as serve refuses it.
func TestServiceUnitMaxConnections(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"flag", []string{"--max-connections", "100"}, nil},
		{"flag with install path", []string{"--install-path", "/usr/local/bin/dashbox", "--max-connections", "100"}, nil},
		{"environment", nil, map[string]string{"DASHBOX_MAX_CONNECTIONS": "100"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := append([]string{"dashbox", "service", "unit"}, tc.args...)
			if err := run(context.Background(), args, func(k string) string { return tc.env[k] }, &out, &errOut); err != nil {
				t.Fatalf("service unit: %v\n%s", err, errOut.String())
			}
			if want := "\nExecStart=/usr/local/bin/dashbox serve --max-connections=100\n"; !strings.Contains(out.String(), want) {
				t.Errorf("the unit lacks %q:\n%s", want, out.String())
			}
		})
	}
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"dashbox", "service", "unit", "--max-connections", "0"}, noEnv, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "invalid --max-connections 0") || out.Len() > 0 {
		t.Errorf("service unit --max-connections 0: err %v, output %q; want the refusal serve gives", err, out.String())
	}
}
