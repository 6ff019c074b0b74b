package storage

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
)

// ErrPasswordInURL is the error of a storage URL that holds a password: a
// URL is a command-line argument or a unit's ExecStart=, which other users
// of the machine can read (ps, systemctl cat), so dashbox refuses it.
var ErrPasswordInURL = errors.New("the storage URL contains a password, which every user of the machine could read: remove it from the URL and put it in a password file, a libpq passfile (passfile=... in the URL, or PGPASSFILE) or PGPASSWORD")

// CheckURL checks a storage URL without connecting: it must be a
// postgres:// or postgresql:// URL and hold no password (ErrPasswordInURL).
func CheckURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		// url.Parse quotes the URL; it may hold a password, so do not.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("storage URL is not a URL (%v): give one like postgres://dashbox@db.example.net/dashbox?sslmode=verify-full", err)
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return fmt.Errorf("storage URL %s: dashbox stores certificates in PostgreSQL only: give a URL like postgres://dashbox@db.example.net/dashbox?sslmode=verify-full", u.Redacted())
	}
	if _, set := u.User.Password(); set {
		return ErrPasswordInURL
	}
	for k := range u.Query() {
		if k == "password" {
			return ErrPasswordInURL
		}
	}
	return nil
}

// Redact returns the storage URL s with any password masked, for logs and
// errors.
func Redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// maxPasswordFile bounds what readPasswordFile reads: a password is short.
const maxPasswordFile = 4096

// readPasswordFile reads a file that holds the database password alone,
// without its final line break.
func readPasswordFile(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", fmt.Errorf("storage password file: %w", err)
	}
	defer f.Close()
	buf, err := io.ReadAll(io.LimitReader(f, maxPasswordFile+1))
	if err != nil {
		return "", fmt.Errorf("storage password file %s: %v", name, err)
	}
	if len(buf) > maxPasswordFile {
		return "", fmt.Errorf("storage password file %s is over %d bytes: it must hold the database password alone", name, maxPasswordFile)
	}
	pw := bytes.TrimRight(buf, "\r\n")
	if len(pw) == 0 || bytes.ContainsAny(pw, "\r\n") {
		return "", fmt.Errorf("storage password file %s must hold the database password alone, on one line", name)
	}
	return string(pw), nil
}
