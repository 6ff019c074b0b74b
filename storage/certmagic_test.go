package storage

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddyserver/certmagic"
	"go.uber.org/zap"
)

// countingIssuer signs certificates with a key of its own and counts them:
// an issuer shared by the test's instances, standing for one ACME CA.
type countingIssuer struct {
	issued atomic.Int32
	key    *ecdsa.PrivateKey
}

func (i *countingIssuer) IssuerKey() string { return "counting-test-issuer" }

func (i *countingIssuer) Issue(ctx context.Context, csr *x509.CertificateRequest) (*certmagic.IssuedCertificate, error) {
	i.issued.Add(1)
	// An order takes time; instances that do not wait for the lock would
	// all be inside it now.
	select {
	case <-time.After(300 * time.Millisecond):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: csr.DNSNames[0]},
		DNSNames:     csr.DNSNames,
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(90 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, csr.PublicKey, i.key)
	if err != nil {
		return nil, err
	}
	return &certmagic.IssuedCertificate{Certificate: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}

// TestCertmagicClusterOrdersOnce: three certmagic instances, each with its
// own cache and its own connection pool on one database, asked at the same
// moment for the same name, obtain it once (the others wait on the lock and
// then load the stored one) and all serve the same certificate.
func TestCertmagicClusterOrdersOnce(t *testing.T) {
	t.Parallel()
	url := sharedServer(t).NewDatabase(t, "cluster")
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	issuer := &countingIssuer{key: key}
	const instances = 3
	caches := make([]*certmagic.Cache, instances)
	configs := make([]*certmagic.Config, instances)
	for i := range instances {
		st := openTest(t, url)
		var cfg *certmagic.Config
		caches[i] = certmagic.NewCache(certmagic.CacheOptions{
			GetConfigForCert: func(certmagic.Certificate) (*certmagic.Config, error) { return cfg, nil },
			Logger:           zap.NewNop(),
		})
		t.Cleanup(caches[i].Stop)
		cfg = certmagic.New(caches[i], certmagic.Config{Storage: st, Issuers: []certmagic.Issuer{issuer}, Logger: zap.NewNop(),
			OCSP: certmagic.OCSPConfig{DisableStapling: true}, DisableARI: true})
		configs[i] = cfg
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	for i := range instances {
		wg.Go(func() {
			if err := configs[i].ManageSync(ctx, []string{"dash.example.test"}); err != nil {
				t.Errorf("instance %d: ManageSync: %v", i, err)
			}
		})
	}
	wg.Wait()
	if n := issuer.issued.Load(); n != 1 {
		t.Errorf("%d certificates issued for one name by %d instances, want 1", n, instances)
	}
	var serials []string
	for i, c := range caches {
		certs := c.AllMatchingCertificates("dash.example.test")
		if len(certs) != 1 {
			t.Fatalf("instance %d caches %d certificates for the name", i, len(certs))
		}
		serials = append(serials, certs[0].Leaf.SerialNumber.String())
	}
	if serials[0] != serials[1] || serials[1] != serials[2] {
		t.Errorf("the instances serve different certificates: serials %v", serials)
	}
}
