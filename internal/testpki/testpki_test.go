package testpki

import (
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The chains Issue and WritePair return verify against the root for the
// names asked for, with the intermediates a server must send, and only
// within their validity.
func TestIssueVerifies(t *testing.T) {
	root := NewRoot(t, "Test Root")
	inter := root.NewIntermediate(t, "Test Intermediate")
	tests := []struct {
		name string
		// prepare issues the leaf and returns the files holding its chain
		// and key.
		prepare func(t *testing.T, dir string) (certFile, keyFile string)
		host    string
		at      time.Time
		wantErr bool
	}{
		{"root-signed", func(t *testing.T, dir string) (string, string) {
			c, k, _ := root.WritePair(t, dir, Leaf{Names: []string{"files.test"}})
			return c, k
		}, "files.test", time.Now(), false},
		{"through the intermediate", func(t *testing.T, dir string) (string, string) {
			c, k, _ := inter.WritePair(t, dir, Leaf{Names: []string{"dash.corp.example", "10.0.0.5"}})
			return c, k
		}, "10.0.0.5", time.Now(), false},
		{"another name", func(t *testing.T, dir string) (string, string) {
			c, k, _ := inter.WritePair(t, dir, Leaf{Names: []string{"dash.corp.example"}})
			return c, k
		}, "other.corp.example", time.Now(), true},
		{"expired", func(t *testing.T, dir string) (string, string) {
			c, k, _ := inter.WritePair(t, dir, Leaf{Names: []string{"dash.corp.example"}, NotAfter: time.Now().Add(time.Hour)})
			return c, k
		}, "dash.corp.example", time.Now().Add(2 * time.Hour), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			certFile, keyFile := tt.prepare(t, dir)
			pair, err := tls.LoadX509KeyPair(certFile, keyFile)
			if err != nil {
				t.Fatal(err)
			}
			if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
				t.Errorf("key file: %v, %v; want mode 0600", fi.Mode().Perm(), err)
			}
			if left, _ := filepath.Glob(filepath.Join(dir, "*.tmp")); len(left) > 0 {
				t.Errorf("left behind: %v", left)
			}
			inters := x509.NewCertPool()
			for _, der := range pair.Certificate[1:] {
				c, err := x509.ParseCertificate(der)
				if err != nil {
					t.Fatal(err)
				}
				inters.AddCert(c)
			}
			_, err = pair.Leaf.Verify(x509.VerifyOptions{DNSName: tt.host, Roots: root.Pool(), Intermediates: inters, CurrentTime: tt.at})
			if (err != nil) != tt.wantErr {
				t.Errorf("Verify: %v, want an error: %v", err, tt.wantErr)
			}
		})
	}
}
