package oidc

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"time"
)

// Cookie names. The __Host- prefix makes browsers accept a cookie only with
// Secure, Path=/ and no Domain, so no other host of the domain and no
// plain-HTTP page can set or shadow it.
const (
	// SessionCookie holds a signed-in user's session.
	SessionCookie = "__Host-dashbox-session"
	// signInCookie holds a sign-in in progress: state, nonce and the PKCE
	// verifier, for the provider's redirect back.
	signInCookie = "__Host-dashbox-signin"
)

// maxCookieValue bounds a cookie's value: browsers keep cookies of up to
// 4096 bytes, name and attributes included.
const maxCookieValue = 3900

// sealer encrypts and authenticates cookie values with AES-256-GCM: a
// value cannot be read, changed or made without the key, and one cookie's
// value is refused under another's name (the name is the additional data).
type sealer struct{ aead cipher.AEAD }

func newSealer(key []byte) (*sealer, error) {
	if len(key) < 16 {
		return nil, errors.New("the session key is shorter than 16 bytes")
	}
	// A key of its own for the cookies, derived from the file's: the file's
	// key may one day serve something else too.
	k, err := hkdf.Key(sha256.New, key, nil, "dashbox session cookie v1", 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

// seal encodes v as JSON and encrypts it for the cookie name.
func (s *sealer) seal(name string, v any) (string, error) {
	plain, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, plain, []byte(name))), nil
}

// open decrypts the value of cookie name into v; false if it is missing,
// too long, or was not sealed with this key for this name.
func (s *sealer) open(r *http.Request, name string, v any) bool {
	c, err := r.Cookie(name)
	if err != nil || len(c.Value) > maxCookieValue {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil || len(b) < s.aead.NonceSize()+s.aead.Overhead() {
		return false
	}
	plain, err := s.aead.Open(nil, b[:s.aead.NonceSize()], b[s.aead.NonceSize():], []byte(name))
	if err != nil {
		return false
	}
	return json.Unmarshal(plain, v) == nil
}

// setCookie sets cookie name to value with the attributes every dashbox
// cookie has, valid until expires (a session cookie if zero).
func setCookie(w http.ResponseWriter, name, value string, expires time.Time) {
	c := &http.Cookie{Name: name, Value: value, Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode}
	if !expires.IsZero() {
		c.MaxAge = max(int(time.Until(expires)/time.Second), 1)
	}
	http.SetCookie(w, c)
}

// clearCookie tells the browser to drop cookie name.
func clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// session is what the session cookie holds.
type session struct {
	// ID names the session, so that parallel requests refresh it once.
	ID string `json:"i"`
	// Subject is the provider's sub claim.
	Subject string `json:"s"`
	// User is who the user is shown and logged as: the e-mail address,
	// else the preferred user name, else the subject.
	User string `json:"u"`
	// Groups are the user's groups dashbox cares about.
	Groups []string `json:"g,omitempty"`
	// End is when the session ends, whatever the provider says (Unix s).
	End int64 `json:"e"`
	// Check is when the provider is next asked, with the refresh token,
	// whether the user may still sign in (Unix s).
	Check int64 `json:"c"`
	// Refresh is the refresh token, if the provider gave one.
	Refresh string `json:"r,omitempty"`
	// IDToken is the ID token, the id_token_hint of RP-initiated logout;
	// left out when the cookie would be too long.
	IDToken string `json:"h,omitempty"`
}

// signIn is what the sign-in cookie holds while the user is at the
// provider.
type signIn struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	// Return is the local path to go back to.
	Return string `json:"r"`
	// Expires bounds how long the user may take at the provider (Unix s).
	Expires int64 `json:"e"`
}

// sealSession seals s, leaving out what does not fit a cookie: the ID
// token first, then the refresh token (the session then lasts without
// refreshes until End).
func (x *sealer) sealSession(s *session) (string, error) {
	for {
		v, err := x.seal(SessionCookie, s)
		if err != nil || len(v) <= maxCookieValue {
			return v, err
		}
		switch {
		case s.IDToken != "":
			s.IDToken = ""
		case s.Refresh != "":
			s.Refresh = ""
			s.Check = s.End
		case len(s.Groups) > 0:
			s.Groups = s.Groups[:len(s.Groups)/2]
		default:
			return "", errors.New("the session does not fit a cookie")
		}
	}
}

func randomString() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
