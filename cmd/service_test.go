package cmd

import (
	"bytes"
	"context"
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/dashbox/dashbox/service"
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

// TestServiceUnitCarriesEveryServeFlag: every serve flag given reaches the
// unit's serve arguments, so a flag added to serve needs no other edit for
// 'service install' to carry it.
func TestServiceUnitCarriesEveryServeFlag(t *testing.T) {
	probe, err := parseServeFlags(nil, noEnv, io.Discard, nil)
	if err != nil {
		t.Fatal(err)
	}
	var args, names []string
	probe.flags.VisitAll(func(f *flag.Flag) {
		value := "x"
		if g, ok := f.Value.(flag.Getter); ok {
			switch g.Get().(type) {
			case bool:
				value = "true"
			case int:
				value = "7"
			case time.Duration:
				value = "7s"
			case string:
				value = "/srv/x"
			}
		}
		args = append(args, "--"+f.Name+"="+value)
		if !probe.flags.own[f.Name] { // --check is serve's alone
			names = append(names, f.Name)
		}
	})
	cfg, err := parseServeFlags(args, noEnv, io.Discard, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := cfg.serviceServe()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range s.Args {
		got = append(got, a.Flag)
		if a.Kind == service.Secret && a.Credential == "" {
			t.Errorf("--%s is loaded as a credential without a name", a.Flag)
		}
	}
	if strings.Join(got, " ") != strings.Join(names, " ") {
		t.Errorf("the unit carries\n%v\nwant every serve flag\n%v", got, names)
	}
}

// TestServiceUnitRefusesAsServe: a serve flag the unit cannot carry is
// refused with serve's own message, before any unit is written.
func TestServiceUnitRefusesAsServe(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--shutdown-timeout=soon"}, `invalid value "soon" for flag -shutdown-timeout`},
		{[]string{"--domain"}, "flag needs an argument: -domain"},
		{[]string{"--auth-file"}, "flag needs an argument: -auth-file"},
		{[]string{"--install-path"}, "flag needs an argument: -install-path"},
		{[]string{"serve"}, `unexpected argument "serve"`},
	} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), append([]string{"dashbox", "service", "unit"}, tc.args...), noEnv, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), tc.want) || out.Len() > 0 {
			t.Errorf("service unit %q: err %v, output %q; want an error containing %q", tc.args, err, out.String(), tc.want)
		}
	}
}

// TestInstalledURLs: 'service status' prints the URLs of the serve
// arguments read back from the installed unit.
func TestInstalledURLs(t *testing.T) {
	got := installedURLs([]string{"--domain=a.example", "--https-addr=:8443", "--auth-file=/etc/dashbox/htpasswd"})
	if strings.Join(got, " ") != "https://a.example:8443/" {
		t.Errorf("URLs %q, want https://a.example:8443/", got)
	}
}
