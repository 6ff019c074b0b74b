package auth

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"github.com/dashbox/dashbox/internal/atomicfile"
)

// maxPasswordBytes is bcrypt's limit: it ignores what comes after.
const maxPasswordBytes = 72

// CheckUserName refuses names an htpasswd line or HTTP Basic authentication
// cannot carry: empty, with ':' (the separator of both), control characters
// or invalid UTF-8, starting with '#' (the line would be a comment) or with
// spaces around it (invisible in a login prompt).
func CheckUserName(user string) error {
	switch {
	case user == "":
		return errors.New("empty user name: give a name such as ann")
	case !utf8.ValidString(user):
		return fmt.Errorf("user name %q is not valid UTF-8", user)
	case strings.Contains(user, ":"):
		return fmt.Errorf("user name %q contains ':', which separates name and password: choose another name", user)
	case strings.IndexFunc(user, unicode.IsControl) >= 0:
		return fmt.Errorf("user name %q contains a control character: choose another name", user)
	case strings.HasPrefix(user, "#"):
		return fmt.Errorf("user name %q starts with '#', which makes its line a comment: choose another name", user)
	case strings.TrimSpace(user) != user:
		return fmt.Errorf("user name %q starts or ends with a space: choose a name without", user)
	case len(user) > 255:
		return errors.New("user name longer than 255 bytes: choose a shorter one")
	}
	return nil
}

// CheckPassword refuses passwords bcrypt cannot hash faithfully: empty, or
// longer than 72 bytes (bcrypt would ignore the rest).
func CheckPassword(password []byte) error {
	switch {
	case len(password) == 0:
		return errors.New("empty password: give one")
	case len(password) > maxPasswordBytes:
		return fmt.Errorf("password longer than %d bytes: bcrypt ignores the rest; choose a shorter one", maxPasswordBytes)
	}
	return nil
}

// costFloor is the lowest cost SetPassword accepts: MinCost, lowered by
// this package's tests, which run under the race detector.
var costFloor = MinCost

// SetPassword sets user's password in the htpasswd file at path, hashed
// with bcrypt at cost (0 means DefaultCost), and reports whether the user is
// new. It creates the file, mode 0600, when missing. Every other line stays
// as it is, comments and other users included, even lines dashbox itself
// would refuse, so that the users of an old file can be re-hashed one at a
// time; the user's line is replaced where it was.
//
// The file is replaced atomically (a temporary file in the same directory,
// synced, then renamed over it): a reader, such as a serve watching the
// file, sees the old file or the new one, never a part, and a failure
// leaves the old file as it was. Concurrent calls on one file (in this
// process or others) take turns, so none loses another's change (on Unix:
// they flock the file's folder). The new file keeps the old one's owner and
// group, and its mode without any permission for other users. A symbolic
// link at path is followed: its target is replaced.
func SetPassword(path, user string, password []byte, cost int) (added bool, err error) {
	if cost == 0 {
		cost = DefaultCost
	}
	if cost < costFloor || cost > bcrypt.MaxCost {
		return false, fmt.Errorf("bcrypt cost %d: use %d to %d (default %d)", cost, MinCost, bcrypt.MaxCost, DefaultCost)
	}
	if err := CheckUserName(user); err != nil {
		return false, err
	}
	if err := CheckPassword(password); err != nil {
		return false, err
	}
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		path = resolved
	}
	// Hash first (bcrypt takes a quarter of a second at the default cost),
	// then read, change and replace the file under a lock, so that two
	// runs at once on one file (two admins, a script adding users in
	// parallel) both land instead of the last overwriting the first.
	hash, err := bcrypt.GenerateFromPassword(password, cost)
	if err != nil {
		return false, err
	}
	unlock, err := lockDir(filepath.Dir(path))
	if err != nil {
		return false, fmt.Errorf("cannot lock the folder of %s: %v", path, unwrapPathError(err))
	}
	defer unlock()
	old, err := os.ReadFile(path)
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("cannot read %s: %v", path, unwrapPathError(err))
	}
	data, added := replaceUserLine(old, user, user+":"+string(hash))

	mode := os.FileMode(0o600)
	if exists {
		if fi, err := os.Stat(path); err == nil {
			mode = fi.Mode().Perm() &^ 0o007
		}
	}
	if err := (atomicfile.Options{KeepOwner: true}).WriteFile(path, data, mode); err != nil {
		return false, fmt.Errorf("writing %s: %v", path, err)
	}
	return added, nil
}

// replaceUserLine returns data with user's line replaced by line, in
// place, or line appended when user has none; further lines of the same user
// are dropped. added reports whether the user was new.
func replaceUserLine(data []byte, user, line string) (out []byte, added bool) {
	lines := strings.SplitAfter(string(data), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	eol := "\n"
	if len(lines) > 0 && strings.HasSuffix(lines[0], "\r\n") {
		eol = "\r\n"
	}
	var b bytes.Buffer
	replaced := false
	for _, l := range lines {
		content := strings.TrimRight(l, "\r\n")
		if name, _, ok := strings.Cut(content, ":"); ok && name == user && !strings.HasPrefix(content, "#") {
			if !replaced {
				b.WriteString(line + eol)
				replaced = true
			}
			continue
		}
		b.WriteString(content)
		b.WriteString(eol)
	}
	if !replaced {
		b.WriteString(line + eol)
	}
	return b.Bytes(), !replaced
}
