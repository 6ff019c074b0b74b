package server

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DeviceCookie is the name of the cookie BasicAuth gives a browser that
// logged in. The __Host- prefix makes browsers accept it only with Secure,
// Path=/ and no Domain, so no other host or plain-HTTP page can set or
// shadow it.
const DeviceCookie = "__Host-dashbox-device"

// DeviceCookieMaxAge is how long a device cookie is valid after it was
// issued. It is issued again when a day old, so a browser in use keeps one.
const DeviceCookieMaxAge = 30 * 24 * time.Hour

const (
	// deviceCookieRenew is the age at which a device cookie is issued again.
	deviceCookieRenew = 24 * time.Hour
	// deviceCookieSkew is how far in the future an issue time may be (a
	// clock stepped back a little) and still be believed.
	deviceCookieSkew = time.Minute
	// maxDeviceUser bounds the user names that get a device cookie, and so
	// the work a forged cookie can cause: far longer than any real name.
	maxDeviceUser = 256
)

// deviceCookies issues and checks device cookies, as OWASP recommends for
// slowing online guessing down without locking users out ("Slow down
// online guessing attacks with device cookies"): a cookie names the user
// and when it was issued, signed with HMAC-SHA256. A browser presenting a
// valid one for the user it logs in as has logged in as that user before,
// so its attempts are counted apart from its address's: a guesser behind
// the same NAT cannot lock it out, and a guesser without one gains
// nothing.
//
// The key comes from BasicAuthConfig.DeviceKey (dashbox keeps it in its
// state directory, so cookies outlive restarts), or is made at start and
// lost with the process: then a restart costs each browser one login
// counted by its address again. A stolen cookie lets its thief
// guess that one user's password at the rate of one address, for 30 days
// at most; it cannot be made without knowing a password.
type deviceCookies struct {
	key [32]byte
	now func() time.Time

	mu sync.Mutex
	// lines are the Set-Cookie lines issued this minute, by user: a
	// client without a cookie jar (curl) is given one with every
	// request, and signing one each time would cost more than all the
	// rest of a logged-in request.
	lines map[string]issuedLine
}

// issuedLine is a Set-Cookie line and the minute it was issued in.
type issuedLine struct {
	minute int64
	line   string
}

// maxIssuedLines bounds deviceCookies.lines: more users than that
// logging in within a minute costs a signature each.
const maxIssuedLines = 64

func newDeviceCookies(key []byte, now func() time.Time) *deviceCookies {
	d := &deviceCookies{now: now, lines: map[string]issuedLine{}}
	if key == nil {
		rand.Read(d.key[:])
	} else {
		d.key = sha256.Sum256(key)
	}
	return d
}

// mac signs user and issued.
func (d *deviceCookies) mac(user string, issued int64) []byte {
	m := hmac.New(sha256.New, d.key[:])
	var b [12]byte
	binary.BigEndian.PutUint32(b[:4], uint32(len(user)))
	binary.BigEndian.PutUint64(b[4:], uint64(issued))
	m.Write(b[:4])
	m.Write([]byte(user))
	m.Write(b[4:])
	return m.Sum(nil)
}

// value is the cookie's value: the user name, the issue time in Unix
// seconds and the MAC, separated by dots, in base64url where needed.
func (d *deviceCookies) value(user string, issued int64) string {
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(user)) + "." + strconv.FormatInt(issued, 10) + "." + enc.EncodeToString(d.mac(user, issued))
}

// findDeviceCookie returns the value of r's device cookie, or "". It reads
// the Cookie lines itself, allocating nothing, since it runs on every
// logged-in request; a value in quotes or with other odd bytes is returned
// as it is, and then matches no value issued.
func findDeviceCookie(r *http.Request) string {
	for _, line := range r.Header["Cookie"] {
		for line != "" {
			var part string
			part, line, _ = strings.Cut(line, ";")
			if v, ok := strings.CutPrefix(strings.TrimSpace(part), DeviceCookie+"="); ok {
				return v
			}
		}
	}
	return ""
}

// parse splits a device cookie's value into the user name and the issue
// time, if it is for user and of an age still valid; the signature is not
// checked. It allocates nothing.
func (d *deviceCookies) parse(value, user string) (issued int64, age time.Duration, ok bool) {
	if len(value) > 2*maxDeviceUser+100 || len(user) > maxDeviceUser {
		return 0, 0, false
	}
	encUser, rest, _ := strings.Cut(value, ".")
	issuedStr, _, _ := strings.Cut(rest, ".")
	var buf [maxDeviceUser]byte
	enc := base64.RawURLEncoding
	if enc.DecodedLen(len(encUser)) != len(user) {
		return 0, 0, false
	}
	n, err := enc.Decode(buf[:], []byte(encUser))
	if err != nil || string(buf[:n]) != user {
		return 0, 0, false
	}
	issued, err = strconv.ParseInt(issuedStr, 10, 64)
	if err != nil {
		return 0, 0, false
	}
	age = d.now().Sub(time.Unix(issued, 0))
	if age < -deviceCookieSkew || age >= DeviceCookieMaxAge {
		return 0, 0, false
	}
	return issued, age, true
}

// device returns the value of r's device cookie if it is valid for user
// (signed by d, not expired), to count the device by; otherwise "".
func (d *deviceCookies) device(r *http.Request, user string) string {
	value := findDeviceCookie(r)
	issued, _, ok := d.parse(value, user)
	if !ok || !hmac.Equal([]byte(value), []byte(d.value(user, issued))) {
		return ""
	}
	return value
}

// renew reports whether a browser logged in as user should be given a new
// device cookie: it has none for user that is still valid, or its cookie is
// a day old. The signature is not checked (a client that forged its own
// cookie keeps it, and is counted by its address).
func (d *deviceCookies) renew(r *http.Request, user string) bool {
	_, age, ok := d.parse(findDeviceCookie(r), user)
	return !ok || age >= deviceCookieRenew
}

// set gives the browser a new device cookie for user; HttpOnly, since no
// script needs it, and SameSite=Strict, since no other site does. Its issue
// time is the minute's start, so that one line serves the whole minute.
func (d *deviceCookies) set(w http.ResponseWriter, user string) {
	if len(user) > maxDeviceUser {
		return
	}
	minute := d.now().Unix() / 60 * 60
	d.mu.Lock()
	l, ok := d.lines[user]
	d.mu.Unlock()
	if !ok || l.minute != minute {
		l = issuedLine{minute, DeviceCookie + "=" + d.value(user, minute) +
			"; Path=/; Max-Age=" + strconv.Itoa(int(DeviceCookieMaxAge/time.Second)) + "; HttpOnly; Secure; SameSite=Strict"}
		d.mu.Lock()
		if len(d.lines) >= maxIssuedLines {
			clear(d.lines)
		}
		d.lines[user] = l
		d.mu.Unlock()
	}
	h := w.Header()
	h["Set-Cookie"] = append(h["Set-Cookie"], l.line)
}
