package dns01

import (
	"context"
	"errors"
	"testing"

	"github.com/dashbox/dashbox/internal/testbind"
)

// TestTryUpdate: the key that may update the challenge record passes and
// leaves nothing behind; a key granted nothing and a name outside the
// granted ones are refused, naming the cause.
func TestTryUpdate(t *testing.T) {
	bind := testbind.Start(t, testbind.Options{Zone: "dash.test"})
	ctx := context.Background()
	const name = "_acme-challenge.dash.test"

	if err := provider(t, bind, bind.KeyFile).TryUpdate(ctx, name); err != nil {
		t.Fatalf("TryUpdate with the granted key: %v\n%s", err, bind.Log())
	}
	if txt := bind.TXT(t, name); len(txt) != 0 {
		t.Errorf("record left behind: %q", txt)
	}
	if err := provider(t, bind, bind.OtherKeyFile).TryUpdate(ctx, name); !errors.Is(err, ErrRefused) {
		t.Errorf("key granted nothing: error %v, want REFUSED", err)
	}
	if err := provider(t, bind, bind.KeyFile).TryUpdate(ctx, "_acme-challenge.www.dash.test"); !errors.Is(err, ErrRefused) {
		t.Errorf("name outside the grant: error %v, want REFUSED", err)
	}
}
