package dns01

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dashbox/dashbox/internal/testbind"
	"github.com/libdns/libdns"
)

// provider returns a Provider for bind with the key in keyFile.
func provider(t *testing.T, bind *testbind.Server, keyFile string) *Provider {
	t.Helper()
	key, err := LoadKeyFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	return &Provider{Server: bind.Addr, Key: key, Timeout: 5 * time.Second}
}

// TestProviderBIND adds and deletes challenge records on a real BIND, with
// both HMACs, the zone given or looked up, two records of one name side by
// side (a name and its wildcard are validated at the same time).
func TestProviderBIND(t *testing.T) {
	bind := testbind.Start(t, testbind.Options{Zone: "dash.test"})
	ctx := context.Background()
	const name = "_acme-challenge.dash.test"

	for _, tc := range []struct {
		name    string
		keyFile string
		zone    string
	}{
		{"sha256, zone looked up", bind.KeyFile, ""},
		{"sha512, zone given", bind.KeyFile512, "dash.test"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := provider(t, bind, tc.keyFile)
			p.Zone = tc.zone
			recs := []libdns.Record{libdns.TXT{Name: "_acme-challenge", Text: "token-one"}}
			got, err := p.AppendRecords(ctx, "dash.test.", recs)
			if err != nil {
				t.Fatalf("AppendRecords: %v\n%s", err, bind.Log())
			}
			if len(got) != 1 || got[0].RR().Name != "_acme-challenge" || got[0].RR().Data != "token-one" {
				t.Fatalf("AppendRecords returned %+v", got)
			}
			// The second token of the same name, as for *.dash.test.
			if _, err := p.AppendRecords(ctx, "dash.test.", []libdns.Record{libdns.TXT{Name: "_acme-challenge", Text: "token-two"}}); err != nil {
				t.Fatal(err)
			}
			if txt := strings.Join(bind.TXT(t, name), ","); txt != "token-one,token-two" && txt != "token-two,token-one" {
				t.Fatalf("TXT after adding: %q", txt)
			}
			if _, err := p.DeleteRecords(ctx, "dash.test.", got); err != nil {
				t.Fatalf("DeleteRecords: %v", err)
			}
			if txt := bind.TXT(t, name); len(txt) != 1 || txt[0] != "token-two" {
				t.Fatalf("TXT after deleting one: %q", txt)
			}
			if _, err := p.DeleteRecords(ctx, "dash.test.", []libdns.Record{libdns.TXT{Name: "_acme-challenge", Text: "token-two"}}); err != nil {
				t.Fatal(err)
			}
			if txt := bind.TXT(t, name); len(txt) != 0 {
				t.Fatalf("TXT after deleting both: %q", txt)
			}
			// Deleting again is no error: cleaning up after a half-done
			// order must not fail.
			if _, err := p.DeleteRecords(ctx, "dash.test.", got); err != nil {
				t.Fatalf("deleting a record that is gone: %v", err)
			}
		})
	}

	t.Run("long text", func(t *testing.T) {
		p := provider(t, bind, bind.KeyFile)
		long := strings.Repeat("x", 300) + `"quoted\`
		rec := []libdns.Record{libdns.TXT{Name: name + ".", Text: long}}
		if _, err := p.AppendRecords(ctx, "", rec); err != nil {
			t.Fatal(err)
		}
		if txt := bind.TXT(t, name); len(txt) != 1 || txt[0] != strings.ReplaceAll(strings.ReplaceAll(long, `\`, `\\`), `"`, `\"`) {
			t.Fatalf("TXT = %q", txt)
		}
		if _, err := p.DeleteRecords(ctx, "", rec); err != nil {
			t.Fatal(err)
		}
		if txt := bind.TXT(t, name); len(txt) != 0 {
			t.Fatalf("TXT after delete: %q", txt)
		}
	})
}

// TestProviderErrors: each way the server turns an update down gets its own
// cause and message, and leaves no record behind.
func TestProviderErrors(t *testing.T) {
	bind := testbind.Start(t, testbind.Options{Zone: "dash.test"})
	ctx := context.Background()
	rec := []libdns.Record{libdns.TXT{Name: "_acme-challenge", Text: "token"}}

	wrongSecret := provider(t, bind, bind.KeyFile)
	wrongSecret.Key.Secret = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	unknownKey := provider(t, bind, bind.KeyFile)
	unknownKey.Key.Name = "nobody."
	notGranted := provider(t, bind, bind.OtherKeyFile)
	unknownZone := provider(t, bind, bind.KeyFile)

	for _, tc := range []struct {
		name  string
		p     *Provider
		zone  string
		cause error
		want  string
	}{
		{"wrong secret", wrongSecret, "dash.test.", ErrBadSig, "(BADSIG)"},
		{"unknown key", unknownKey, "dash.test.", ErrBadKey, "the server does not know TSIG key nobody. (BADKEY)"},
		{"key not allowed", notGranted, "dash.test.", ErrRefused, "adding TXT _acme-challenge.dash.test. in zone dash.test. at DNS server " + bind.Addr + ": the server refused the update (REFUSED)"},
		{"unknown zone", unknownZone, "other.example.", ErrUnknownZone, "the server holds no zone for it (unknown zone)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.p.AppendRecords(ctx, tc.zone, rec)
			if !errors.Is(err, tc.cause) {
				t.Fatalf("error %v, want cause %v", err, tc.cause)
			}
			if testing.Verbose() {
				t.Log(err)
			}
			if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q does not say %q on one line", err, tc.want)
			}
			if txt := bind.TXT(t, "_acme-challenge.dash.test"); len(txt) != 0 {
				t.Errorf("record left behind: %q", txt)
			}
		})
	}

	t.Run("name outside the granted ones", func(t *testing.T) {
		p := provider(t, bind, bind.KeyFile)
		_, err := p.AppendRecords(ctx, "dash.test.", []libdns.Record{libdns.TXT{Name: "www", Text: "x"}})
		if !errors.Is(err, ErrRefused) {
			t.Fatalf("error %v, want REFUSED", err)
		}
	})

	t.Run("zone given that does not hold the name", func(t *testing.T) {
		p := provider(t, bind, bind.KeyFile)
		p.Zone = "elsewhere.test"
		_, err := p.AppendRecords(ctx, "dash.test.", rec)
		if !errors.Is(err, ErrUnknownZone) || !strings.Contains(err.Error(), "is not in zone elsewhere.test.") {
			t.Fatalf("error %v", err)
		}
	})

	t.Run("server stopped", func(t *testing.T) {
		stopped := testbind.Start(t, testbind.Options{Zone: "dash.test"})
		p := provider(t, stopped, stopped.KeyFile)
		stopped.Stop()
		start := time.Now()
		_, err := p.AppendRecords(ctx, "dash.test.", rec)
		if !errors.Is(err, ErrNoAnswer) || !strings.Contains(err.Error(), "no answer") {
			t.Fatalf("error %v, want no answer", err)
		}
		if d := time.Since(start); d > 6*time.Second {
			t.Errorf("took %s, more than the timeout", d)
		}
	})
}

func TestLoadKeyFileErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := LoadKeyFile(filepath.Join(dir, "missing.key"))
	var kfe *KeyFileError
	if !errors.As(err, &kfe) || !strings.Contains(err.Error(), "missing.key cannot be read: no such file or directory") {
		t.Fatalf("missing file: %v", err)
	}
	big := filepath.Join(dir, "big.key")
	if err := os.WriteFile(big, make([]byte, maxKeyFileSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKeyFile(big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("big file: %v", err)
	}
}
