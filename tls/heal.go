package tls

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/caddyserver/certmagic"
)

// damagedSuffix is put between a set-aside file's name and the UTC time it
// was set aside: localhost.crt.damaged-20261207T034500Z. The name no longer
// ends in .crt, .key or .json, so neither certmagic nor dashbox ever loads
// it again, and nothing deletes it: it stays for the operator to inspect.
const damagedSuffix = ".damaged-"

// damagedTimeFormat is the UTC timestamp of set-aside files (ISO 8601 basic
// form: sorts by time, no colons, which some file systems refuse).
const damagedTimeFormat = "20060102T150405Z"

// leafDamage says what is wrong with a stored local-CA certificate.
type leafDamage struct {
	file    string // the damaged file (absolute path)
	problem string
}

// leafFiles are the absolute paths of the files certmagic keeps for a
// certificate: the certificate chain, its private key and its metadata.
type leafFiles struct {
	cert, key, meta string
}

func (m *Manager) localLeafFiles(name string) leafFiles {
	issuer := m.ca.IssuerKey()
	return leafFiles{
		cert: m.stateFS.Filename(certmagic.StorageKeys.SiteCert(issuer, name)),
		key:  m.stateFS.Filename(certmagic.StorageKeys.SitePrivateKey(issuer, name)),
		meta: m.stateFS.Filename(certmagic.StorageKeys.SiteMeta(issuer, name)),
	}
}

// healLocalLeaf sets aside the stored local-CA certificate of name if it
// cannot be served, so that certmagic, finding none, has the local CA issue
// a new one. A full disk or a power cut can leave these files empty or
// half written, and certmagic refuses to start with an "unusable
// certificate"; unlike a damaged root, a leaf costs nothing to replace and
// no one has to trust it by hand. The damaged files are renamed, never
// deleted, and the damage is logged as a warning naming the file.
//
// The common case, intact files, costs three small reads and no lock.
// Damage is confirmed again under certmagic's issuing lock for the name,
// so a dashbox sharing the state directory that is writing a new
// certificate right now is not mistaken for damage.
func (m *Manager) healLocalLeaf(ctx context.Context, name string) error {
	if m.stateFS == nil {
		return nil // a shared storage's keys are not files to set aside
	}
	files := m.localLeafFiles(name)
	if checkLocalLeaf(files, name, m.ca.root) == nil {
		return nil
	}
	// The same lock certmagic takes to obtain or renew the certificate.
	lock := "issue_cert_" + name
	if err := m.storage.Lock(ctx, lock); err != nil {
		return fmt.Errorf("cannot lock the state directory to replace the damaged certificate of %s: %w", name, err)
	}
	defer func() {
		if err := m.storage.Unlock(context.WithoutCancel(ctx), lock); err != nil {
			m.logger.Warn("cannot remove certificate lock file", "name", name, "error", err)
		}
	}()
	damage := checkLocalLeaf(files, name, m.ca.root)
	if damage == nil {
		return nil
	}
	return m.setAsideLeaf(name, files, damage)
}

// healDueLeaf is healLocalLeaf for a certificate certmagic is about to
// renew while dashbox runs: renewal reads the stored files again, and
// fails on damaged metadata at every attempt (or loads a certificate
// swapped for another name's) until the one in memory expires. It runs
// in certmagic's maintenance pass, before the renewal is queued, so it
// does not take the issuing lock: a dashbox sharing the state directory
// that is saving this certificate right now may see it set aside, which
// costs one more local issue and nothing else.
func (m *Manager) healDueLeaf(name string) {
	if m.stateFS == nil {
		return
	}
	files := m.localLeafFiles(name)
	damage := checkLocalLeaf(files, name, m.ca.root)
	if damage == nil {
		return
	}
	if err := m.setAsideLeaf(name, files, damage); err != nil {
		m.logger.Error("cannot set aside damaged local CA certificate", "name", name, "error", err)
	}
}

// setAsideLeaf renames the stored files of name and logs why.
func (m *Manager) setAsideLeaf(name string, files leafFiles, damage *leafDamage) error {
	moved, err := setAside(time.Now(), files.cert, files.key, files.meta)
	if err != nil {
		return fmt.Errorf("local CA certificate file %s %s, and setting it aside failed: %w", damage.file, damage.problem, err)
	}
	m.logger.Warn("damaged local CA certificate set aside; the local CA issues a new one",
		"name", name, "file", damage.file, "problem", damage.problem, "set_aside", moved)
	return nil
}

// checkLocalLeaf reports what keeps the stored certificate of name from
// being served, or nil if it can be served or none is stored. It checks
// what certmagic needs to load the files (key and certificate parse and
// match, metadata is JSON) and what a client needs (the certificate is
// for name and signed by root): a certificate swapped for another name's
// loads fine and fails every handshake.
func checkLocalLeaf(files leafFiles, name string, root *x509.Certificate) *leafDamage {
	read := func(path string) ([]byte, bool, *leafDamage) {
		data, err := os.ReadFile(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, false, nil
		case err != nil:
			// Unreadable (permissions): certmagic cannot read it either,
			// but renaming will not help; its error says what failed.
			return nil, true, nil
		case len(data) == 0:
			return nil, true, &leafDamage{file: path, problem: "is empty"}
		}
		return data, true, nil
	}
	certPEM, haveCert, certDamage := read(files.cert)
	keyPEM, haveKey, keyDamage := read(files.key)
	metaJSON, haveMeta, metaDamage := read(files.meta)
	switch {
	case !haveCert && !haveKey && !haveMeta:
		return nil // none stored: certmagic issues one
	case certDamage != nil:
		return certDamage
	case keyDamage != nil:
		return keyDamage
	case metaDamage != nil:
		return metaDamage
	case !haveCert:
		return &leafDamage{file: files.cert, problem: "is missing but its key or metadata exists"}
	case !haveKey:
		return &leafDamage{file: files.key, problem: "is missing but its certificate exists"}
	case !haveMeta:
		return &leafDamage{file: files.meta, problem: "is missing but its certificate exists"}
	case certPEM == nil || keyPEM == nil || metaJSON == nil:
		return nil // unreadable: left to certmagic's error
	}

	block, _ := pem.Decode(certPEM)
	if block == nil || block.Type != "CERTIFICATE" {
		return &leafDamage{file: files.cert, problem: "is corrupt (no complete PEM CERTIFICATE block)"}
	}
	leaf, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return &leafDamage{file: files.cert, problem: fmt.Sprintf("is corrupt (%v)", err)}
	}
	key, err := certmagic.PEMDecodePrivateKey(keyPEM)
	if err != nil {
		return &leafDamage{file: files.key, problem: fmt.Sprintf("is corrupt (%v)", err)}
	}
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(leaf.PublicKey) {
		return &leafDamage{file: files.key, problem: "does not match the certificate " + files.cert}
	}
	if err := leaf.VerifyHostname(name); err != nil {
		return &leafDamage{file: files.cert, problem: fmt.Sprintf("is not for %s (%v)", name, err)}
	}
	if err := leaf.CheckSignatureFrom(root); err != nil {
		return &leafDamage{file: files.cert, problem: "was not signed by the local CA root"}
	}
	var res certmagic.CertificateResource // what certmagic decodes it into
	if err := json.Unmarshal(metaJSON, &res); err != nil {
		return &leafDamage{file: files.meta, problem: fmt.Sprintf("is corrupt (%v)", err)}
	}
	return nil
}

// setAside renames each existing file among paths to
// <file>.damaged-<UTC time>, adding -2, -3, ... if that name is taken, and
// returns the new paths. Missing files are skipped.
func setAside(now time.Time, paths ...string) ([]string, error) {
	stamp := damagedSuffix + now.UTC().Format(damagedTimeFormat)
	var moved []string
	for _, p := range paths {
		if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		dst := p + stamp
		for i := 2; ; i++ {
			if _, err := os.Lstat(dst); errors.Is(err, fs.ErrNotExist) {
				break
			}
			dst = p + stamp + "-" + strconv.Itoa(i)
		}
		if err := os.Rename(p, dst); err != nil {
			return moved, err
		}
		moved = append(moved, dst)
	}
	if len(moved) > 0 {
		_ = syncDir(filepath.Dir(moved[0]))
	}
	return moved, nil
}
