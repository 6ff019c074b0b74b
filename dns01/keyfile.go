package dns01

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/dashbox/dashbox/internal/patherr"
	"github.com/miekg/dns"
)

// Key is a TSIG key: what signs the dynamic updates, so that the DNS server
// lets this client, and only it, change the records the key is granted.
type Key struct {
	// Name is the key's name as the server knows it, fully qualified
	// (with a trailing dot), lower case: "dashbox.".
	Name string
	// Algorithm is the HMAC, as miekg/dns names it: dns.HmacSHA256,
	// dns.HmacSHA384 or dns.HmacSHA512.
	Algorithm string
	// Secret is the shared secret, base64 as in the key file.
	Secret string
}

// algorithms maps the algorithm names of BIND's key files to miekg/dns'.
// HMAC-MD5 and HMAC-SHA1 are left out: tsig-keygen's default is
// HMAC-SHA256, and nothing new should use the weaker ones.
var algorithms = map[string]string{
	"hmac-sha256": dns.HmacSHA256,
	"hmac-sha384": dns.HmacSHA384,
	"hmac-sha512": dns.HmacSHA512,
}

// maxKeyFileSize bounds what LoadKeyFile reads: a key file is a few
// hundred bytes.
const maxKeyFileSize = 64 << 10

// KeyFileError is a TSIG key file that cannot be read or used. Its message
// names the file and says what to do.
type KeyFileError struct {
	// File is the path as given.
	File string
	msg  string
}

func (e *KeyFileError) Error() string { return "TSIG key file " + e.File + e.msg }

// LoadKeyFile reads a TSIG key from a BIND key file, as `tsig-keygen -a
// hmac-sha256 NAME` writes it:
//
//	key "NAME" {
//		algorithm hmac-sha256;
//		secret "BASE64";
//	};
//
// The file must hold exactly one key. Its error is a *KeyFileError.
func LoadKeyFile(file string) (Key, error) {
	f, err := os.Open(file)
	if err != nil {
		return Key{}, &KeyFileError{File: file, msg: fmt.Sprintf(" cannot be read: %v: give the path of a key file written by tsig-keygen", patherr.Cause(err))}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	if err != nil {
		return Key{}, &KeyFileError{File: file, msg: fmt.Sprintf(" cannot be read: %v", patherr.Cause(err))}
	}
	if len(data) > maxKeyFileSize {
		return Key{}, &KeyFileError{File: file, msg: fmt.Sprintf(" is larger than %d KiB: give a key file written by tsig-keygen", maxKeyFileSize>>10)}
	}
	key, err := ParseKey(string(data))
	if err != nil {
		return Key{}, &KeyFileError{File: file, msg: ": " + err.Error()}
	}
	return key, nil
}

// ParseKey parses the text of a BIND key file (see LoadKeyFile).
func ParseKey(text string) (Key, error) {
	toks, err := tokenize(text)
	if err != nil {
		return Key{}, err
	}
	var keys []Key
	for len(toks) > 0 {
		var k Key
		if k, toks, err = parseKeyClause(toks); err != nil {
			return Key{}, err
		}
		keys = append(keys, k)
	}
	switch len(keys) {
	case 0:
		return Key{}, errors.New(`holds no key: expected key "NAME" { algorithm hmac-sha256; secret "..."; }; as tsig-keygen writes it`)
	case 1:
		return keys[0], nil
	}
	return Key{}, fmt.Errorf("holds %d keys: give a file with the one key dashbox uses", len(keys))
}

// parseKeyClause parses `key "NAME" { ... };` at the start of toks.
func parseKeyClause(toks []token) (Key, []token, error) {
	next := func() (token, bool) {
		if len(toks) == 0 {
			return token{}, false
		}
		t := toks[0]
		toks = toks[1:]
		return t, true
	}
	expect := func(want string) error {
		t, ok := next()
		if !ok {
			return fmt.Errorf("ends early: expected %q", want)
		}
		if t.quoted || t.text != want {
			return fmt.Errorf("line %d: expected %q, found %q", t.line, want, t.text)
		}
		return nil
	}
	if err := expect("key"); err != nil {
		return Key{}, nil, err
	}
	nameTok, ok := next()
	if !ok || nameTok.text == "" || nameTok.text == "{" {
		return Key{}, nil, errors.New(`the key has no name: expected key "NAME" {`)
	}
	name, err := keyName(nameTok.text)
	if err != nil {
		return Key{}, nil, fmt.Errorf("line %d: %v", nameTok.line, err)
	}
	if err := expect("{"); err != nil {
		return Key{}, nil, err
	}
	k := Key{Name: name}
	var algo string
	for {
		t, ok := next()
		if !ok {
			return Key{}, nil, errors.New(`ends early: the key's "};" is missing`)
		}
		if !t.quoted && t.text == "}" {
			break
		}
		val, ok := next()
		if !ok || (!val.quoted && (val.text == ";" || val.text == "}")) {
			return Key{}, nil, fmt.Errorf("line %d: %s has no value", t.line, t.text)
		}
		switch t.text {
		case "algorithm":
			algo = strings.ToLower(val.text)
			a, ok := algorithms[algo]
			if !ok {
				return Key{}, nil, fmt.Errorf("line %d: algorithm %s is not supported: use hmac-sha256 or hmac-sha512 (tsig-keygen -a hmac-sha256)", val.line, val.text)
			}
			k.Algorithm = a
		case "secret":
			k.Secret = val.text
		default:
			return Key{}, nil, fmt.Errorf("line %d: unknown statement %q in a key: expected algorithm and secret", t.line, t.text)
		}
		if err := expect(";"); err != nil {
			return Key{}, nil, err
		}
	}
	if err := expect(";"); err != nil {
		return Key{}, nil, err
	}
	switch {
	case k.Algorithm == "":
		return Key{}, nil, fmt.Errorf("key %q has no algorithm: add algorithm hmac-sha256;", nameTok.text)
	case k.Secret == "":
		return Key{}, nil, fmt.Errorf("key %q has no secret", nameTok.text)
	}
	raw, err := base64.StdEncoding.DecodeString(k.Secret)
	if err != nil || len(raw) == 0 {
		return Key{}, nil, fmt.Errorf("key %q: the secret is not base64: copy it as tsig-keygen wrote it", nameTok.text)
	}
	if len(raw) < 16 {
		return Key{}, nil, fmt.Errorf("key %q: the secret is only %d bytes: make a new key with tsig-keygen", nameTok.text, len(raw))
	}
	return k, toks, nil
}

// keyName checks a key's name and returns its canonical form: a domain
// name, fully qualified and lower case (miekg/dns looks secrets up by it).
func keyName(s string) (string, error) {
	fqdn := dns.CanonicalName(s)
	if _, ok := dns.IsDomainName(fqdn); !ok || fqdn == "." || strings.ContainsAny(s, " \t\\") {
		return "", fmt.Errorf("key name %q is not a domain name", s)
	}
	return fqdn, nil
}

// token is a word, a quoted string or one of { } ; in named.conf syntax.
type token struct {
	text   string
	quoted bool
	line   int
}

// tokenize splits named.conf syntax into tokens, dropping the comments it
// allows (# and // to the end of the line, /* ... */).
func tokenize(s string) ([]token, error) {
	var toks []token
	line := 1
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case c == '#' || strings.HasPrefix(s[i:], "//"):
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				return nil, fmt.Errorf("line %d: comment /* is not closed", line)
			}
			line += strings.Count(s[i:i+2+end], "\n")
			i += end + 4
		case c == '{' || c == '}' || c == ';':
			toks = append(toks, token{text: string(c), line: line})
			i++
		case c == '"':
			end := strings.IndexAny(s[i+1:], "\"\n")
			if end < 0 || s[i+1+end] != '"' {
				return nil, fmt.Errorf("line %d: quoted string is not closed", line)
			}
			toks = append(toks, token{text: s[i+1 : i+1+end], quoted: true, line: line})
			i += end + 2
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\r\n{};\"#", rune(s[j])) && !strings.HasPrefix(s[j:], "//") && !strings.HasPrefix(s[j:], "/*") {
				j++
			}
			toks = append(toks, token{text: s[i:j], line: line})
			i = j
		}
	}
	return toks, nil
}
