package tls

import (
	"testing"

	"github.com/dashbox/dashbox/internal/testpki"
)

// testPKI is a throwaway root and intermediate CA, standing in for the
// company PKI that hands an administrator certificate files. Leaves come
// from inter (their chain holds it) or, for a chain of the leaf alone, from
// root.
type testPKI struct {
	root, inter *testpki.CA
}

func newTestPKI(tb testing.TB) *testPKI {
	tb.Helper()
	root := testpki.NewRoot(tb, "Test Root")
	return &testPKI{root: root, inter: root.NewIntermediate(tb, "Test Intermediate")}
}
