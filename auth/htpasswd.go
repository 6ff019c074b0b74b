package auth

import (
	"crypto/rand"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/dashbox/dashbox/internal/patherr"
)

// DefaultCost is the bcrypt cost SetPassword hashes with unless told
// otherwise. Cost 12 takes about a quarter of a second of one core (measured
// on the 2-core AMD EPYC machine dashbox is tested on; cost 10 took 65 ms):
// a user waits that long once per browser session, since Htpasswd remembers
// credentials it has verified, and someone who got hold of the file pays it
// for every guess, four times what cost 10 would make them pay. Online
// guessing is bounded by Limiter, not by the cost.
const DefaultCost = 12

// MinCost is the lowest cost SetPassword accepts: below it a stolen file is
// cheap to crack. Files written by other tools may hold lower costs (Apache's
// htpasswd -B uses 5 by default); they are accepted with a warning.
const MinCost = 10

// users is the content of an htpasswd file.
type users struct {
	// hashes maps each user name to its bcrypt hash.
	hashes map[string][]byte
	// dummy is checked against when a name is unknown, so that an unknown
	// name takes as long as a known one: it has the highest cost in the
	// file and matches no password.
	dummy []byte
	// warnings are problems that do not stop serving but that the operator
	// should hear about.
	warnings []string
}

// parseHtpasswd reads an htpasswd file: one "user:hash" per line; blank
// lines and lines starting with '#' are ignored, as Apache and nginx do.
// Every hash must be bcrypt ($2a$, $2b$ or $2y$): other schemes are refused
// with a message saying how to re-hash, naming the file (path) and line.
func parseHtpasswd(path string, data []byte) (*users, error) {
	u := &users{hashes: map[string][]byte{}}
	firstLine := map[string]int{}
	costs := map[int][]string{}
	for i, line := range strings.Split(string(data), "\n") {
		n := i + 1
		line = strings.TrimSuffix(line, "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, hash, ok := strings.Cut(line, ":")
		if !ok || name == "" {
			return nil, fmt.Errorf("htpasswd file %s, line %d: not a user:hash line: fix or remove it (dashbox passwd %s USER writes a good one)", path, n, path)
		}
		if prev, dup := firstLine[name]; dup {
			return nil, fmt.Errorf("htpasswd file %s: user %q is on line %d and again on line %d: remove one of them", path, name, prev, n)
		}
		firstLine[name] = n
		// Apache's htpasswd may add ":comment" fields after the hash.
		hash, _, _ = strings.Cut(hash, ":")
		hash = strings.TrimSpace(hash)
		if scheme := weakScheme(hash); scheme != "" {
			return nil, fmt.Errorf("htpasswd file %s, line %d: user %q has %s, which dashbox refuses: re-hash it with bcrypt: dashbox passwd %s %s (or htpasswd -B %s %s)",
				path, n, name, scheme, path, shellWord(name), path, shellWord(name))
		}
		cost, err := bcrypt.Cost([]byte(hash))
		if err != nil {
			return nil, fmt.Errorf("htpasswd file %s, line %d: the bcrypt hash of user %q is damaged (%v): set the password again with dashbox passwd %s %s",
				path, n, name, strings.TrimPrefix(err.Error(), "crypto/bcrypt: "), path, shellWord(name))
		}
		u.hashes[name] = []byte(hash)
		costs[cost] = append(costs[cost], name)
	}
	// Without users there is no name to hide: the cheapest dummy will do.
	maxCost := bcrypt.MinCost
	if len(costs) > 0 {
		maxCost = slices.Max(slices.Collect(maps.Keys(costs)))
	}
	u.dummy = dummyHash(maxCost)

	if len(u.hashes) == 0 {
		u.warnings = append(u.warnings, "no users: nobody can log in; add one with dashbox passwd "+path+" USER")
	}
	for cost, names := range costs {
		if cost < MinCost {
			slices.Sort(names)
			u.warnings = append(u.warnings, fmt.Sprintf("bcrypt cost %d for %s (htpasswd -B's default is 5): cheap to crack if the file leaks; set the password again with dashbox passwd (cost %d) or htpasswd -B -C %d",
				cost, strings.Join(names, ", "), DefaultCost, DefaultCost))
		}
	}
	if len(costs) > 1 {
		u.warnings = append(u.warnings, fmt.Sprintf("the users' bcrypt costs differ: how long a login takes tells a guesser which names exist; give every user the same cost (dashbox passwd uses %d)", DefaultCost))
	}
	slices.Sort(u.warnings)
	return u, nil
}

// weakScheme names the hash scheme of a hash that is not bcrypt, or returns
// "" for bcrypt. The names are what htpasswd's manual calls them, so that
// the operator recognises what wrote the line.
func weakScheme(hash string) string {
	switch {
	case strings.HasPrefix(hash, "$2a$"), strings.HasPrefix(hash, "$2b$"), strings.HasPrefix(hash, "$2y$"):
		return ""
	case strings.HasPrefix(hash, "$apr1$"):
		return "an MD5 hash ($apr1$, htpasswd's default without -B)"
	case strings.HasPrefix(hash, "{SHA}"):
		return "a SHA-1 hash ({SHA}, htpasswd -s)"
	case strings.HasPrefix(hash, "$1$"):
		return "an MD5-crypt hash ($1$)"
	case strings.HasPrefix(hash, "$5$"), strings.HasPrefix(hash, "$6$"):
		return "a SHA-crypt hash (" + hash[:3] + ", htpasswd -2 or -5)"
	case strings.HasPrefix(hash, "$"), strings.HasPrefix(hash, "{"):
		return "a hash scheme other than bcrypt"
	case len(hash) == 13:
		return "a DES crypt hash (htpasswd -d) or a plain-text password"
	}
	return "a plain-text password or a hash other than bcrypt"
}

// authenticate reports whether password is user's. It runs bcrypt whether
// or not the user exists, against a hash of the file's highest cost for an
// unknown name, so that timing does not tell which names exist.
func (u *users) authenticate(user, password string) bool {
	hash, known := u.hashes[user]
	if !known {
		hash = u.dummy
	}
	err := bcrypt.CompareHashAndPassword(hash, []byte(password))
	return known && err == nil
}

// dummyHash returns a well-formed bcrypt hash of the given cost that no
// password matches: a random salt and a random digest, which is not the
// digest of anything. Making it costs no bcrypt run (the cost field is only
// a number in the string), yet checking a password against it costs what
// checking against a real hash of that cost does.
func dummyHash(cost int) []byte {
	const alphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	var random [22 + 31]byte // $2a$NN$<22 salt><31 digest>
	rand.Read(random[:])
	h := fmt.Appendf(nil, "$2a$%02d$", cost)
	for _, b := range random {
		h = append(h, alphabet[b%64])
	}
	return h
}

// CheckHtpasswd reads and checks the htpasswd file at path as serve would,
// without keeping it: for validating flags before anything starts. It
// returns the warnings serve would log.
func CheckHtpasswd(path string) (warnings []string, err error) {
	u, err := loadHtpasswd(path)
	if err != nil {
		return nil, err
	}
	return u.warnings, nil
}

// loadHtpasswd reads and parses the file at path. Beyond parseHtpasswd's
// warnings it warns when every user of the machine may read the file.
func loadHtpasswd(path string) (*users, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read htpasswd file %s: %v: create it with dashbox passwd %s USER, or check that dashbox's user may read it", path, unwrapPathError(err), path)
	}
	u, err := parseHtpasswd(path, data)
	if err != nil {
		return nil, err
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o004 != 0 {
		u.warnings = append(u.warnings, fmt.Sprintf("%s is readable by every user (mode %04o): chmod o-rwx %s", path, fi.Mode().Perm(), path))
	}
	return u, nil
}

// unwrapPathError drops the path and operation os.PathError repeats, for
// messages that name the path themselves.
var unwrapPathError = patherr.Cause

// shellWord quotes s for a shell command line in a message, when needed.
func shellWord(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@%+=:,./_-", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
