package tls

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/dashbox/dashbox/internal/atomicfile"
)

// StatusFileName is the file in the state directory where a running
// dashbox keeps the state of its certificates, for 'dashbox certs' to read
// while the server runs under systemd as another user.
const StatusFileName = "certificates-status.json"

// Issuer labels for certificates that do not come from ACME.
const (
	IssuerLocalCA = "dashbox local CA"
	issuerFiles   = "file "
)

// CertStatus is what dashbox knows about the certificate of one served
// name. Let's Encrypt no longer e-mails about expiry, so dashbox must tell.
type CertStatus struct {
	// Name is the host name or IP address served.
	Name string `json:"name"`
	// Issuer says where the certificate comes from: IssuerLocalCA,
	// "Let's Encrypt", "ACME <directory URL>", or "file <path>".
	Issuer string `json:"issuer"`
	// NotAfter is when the certificate served expires; zero while there is
	// none yet (the ACME CA has not issued it).
	NotAfter time.Time `json:"not_after,omitzero"`
	// Error is the last error getting or renewing the certificate, cleared
	// when it next succeeds.
	Error string `json:"error,omitempty"`
	// ErrorAt is when Error happened.
	ErrorAt time.Time `json:"error_at,omitzero"`
	// NextAttempt is when dashbox tries again after Error, when it knows.
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	// PubliclyTrusted is true for certificates from ACME or the
	// administrator's files, which browsers trust without dashbox's root.
	PubliclyTrusted bool `json:"publicly_trusted"`
}

// StatusReport is the content of the status file.
type StatusReport struct {
	// Updated is when the running dashbox last wrote the file.
	Updated time.Time `json:"updated"`
	// PID is the process that wrote it.
	PID int `json:"pid"`
	// Certificates are the served names, in the order they are served.
	Certificates []CertStatus `json:"certificates"`
}

// ReadStatus reads what the last 'dashbox serve' on stateDir recorded about
// its certificates. It only reads; it makes no network connection and
// creates nothing. The error is one line saying what to do.
func ReadStatus(stateDir string) (*StatusReport, error) {
	path := filepath.Join(stateDir, StatusFileName)
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%w in %s: no dashbox has served with this state directory yet: start dashbox with it first, or read the state directory it runs with", ErrNoStatus, stateDir)
	case err != nil:
		return nil, fmt.Errorf("cannot read %s: %v: run as the user dashbox runs as (or root)", path, unwrapPathError(err))
	}
	var r StatusReport
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s is damaged (%v): restart dashbox serve to write it again", path, err)
	}
	return &r, nil
}

// statusBook keeps the CertStatus of every served name. Each change is
// logged (so the journal shows every issuance and failure) and written to
// the status file.
type statusBook struct {
	path   string
	logger *slog.Logger

	mu    sync.Mutex
	names []string
	by    map[string]*CertStatus
	// started is set by logAll: before, changes are only recorded, so
	// that start-up logs each name once.
	started bool
}

func newStatusBook(stateDir string, logger *slog.Logger) *statusBook {
	return &statusBook{path: filepath.Join(stateDir, StatusFileName), logger: logger, by: map[string]*CertStatus{}}
}

// add registers a name without logging or writing; start-up logs them all
// at once with logAll.
func (b *statusBook) add(s CertStatus) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.by[s.Name]; !ok {
		b.names = append(b.names, s.Name)
	}
	b.by[s.Name] = &s
}

// update changes the status of name with edit; if anything changed, it
// logs the new status and writes the file.
func (b *statusBook) update(name string, edit func(*CertStatus)) {
	b.mu.Lock()
	s, ok := b.by[name]
	if !ok {
		b.mu.Unlock()
		return
	}
	before := *s
	edit(s)
	after := *s
	started := b.started
	b.mu.Unlock()
	if before == after || !started {
		return
	}
	b.log(after)
	b.save()
}

// log writes one line about s: an error at error level, else info.
func (b *statusBook) log(s CertStatus) {
	attrs := []any{"name", s.Name, "issuer", s.Issuer}
	if !s.NotAfter.IsZero() {
		attrs = append(attrs, "not_after", s.NotAfter.UTC().Format(time.RFC3339), "expires_in", time.Until(s.NotAfter).Round(time.Minute).String())
	} else {
		attrs = append(attrs, "not_after", "none yet")
	}
	if s.Error != "" {
		attrs = append(attrs, "error", s.Error)
		if !s.NextAttempt.IsZero() {
			attrs = append(attrs, "retry_in", time.Until(s.NextAttempt).Round(time.Second).String())
		}
		b.logger.Error("certificate problem", attrs...)
		return
	}
	b.logger.Info("certificate", attrs...)
}

// logAll logs every name and writes the file: the state at start. From
// then on, every change is logged and written.
func (b *statusBook) logAll() {
	b.mu.Lock()
	b.started = true
	b.mu.Unlock()
	for _, s := range b.snapshot() {
		b.log(s)
	}
	b.save()
}

// snapshot returns a copy of every status in serving order.
func (b *statusBook) snapshot() []CertStatus {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]CertStatus, 0, len(b.names))
	for _, n := range b.names {
		out = append(out, *b.by[n])
	}
	return out
}

// get returns the status of name.
func (b *statusBook) get(name string) (CertStatus, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	s, ok := b.by[name]
	if !ok {
		return CertStatus{}, false
	}
	return *s, true
}

// save writes the status file atomically (a temporary file renamed over
// it), so 'dashbox certs' never reads half a file. A failure is logged:
// serving matters more than the report.
func (b *statusBook) save() {
	b.mu.Lock()
	defer b.mu.Unlock() // one writer at a time, in order
	r := StatusReport{Updated: time.Now().UTC(), PID: os.Getpid()}
	for _, n := range b.names {
		r.Certificates = append(r.Certificates, *b.by[n])
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err == nil {
		err = atomicfile.WriteFile(b.path, append(data, '\n'), 0o600)
	}
	if err != nil {
		b.logger.Warn("cannot write certificate status for 'dashbox certs'", "file", b.path, "error", err)
	}
}
