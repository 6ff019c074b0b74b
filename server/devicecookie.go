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
// The key is random and made when the server starts, never stored: a
// restart invalidates every cookie, which costs each browser nothing but
// one login counted by its address again. A stolen cookie lets its thief
// guess that one user's password at the rate of one address, for 30 days
// at most; it cannot be made without knowing a password.
type deviceCookies struct {
	key [32]byte
	now func() time.Time
}

func newDeviceCookies(key []byte, now func() time.Time) *deviceCookies {
	d := &deviceCookies{now: now}
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

// device returns the value of r's device cookie if it is valid for user
// (signed by d, not expired), to count the device by, and whether it
// should be issued again; "" and true if there is none.
func (d *deviceCookies) device(r *http.Request, user string) (id string, renew bool) {
	c, err := r.Cookie(DeviceCookie)
	if err != nil || len(c.Value) > 2*maxDeviceUser+100 {
		return "", true
	}
	encUser, rest, _ := strings.Cut(c.Value, ".")
	issuedStr, encMAC, _ := strings.Cut(rest, ".")
	name, err := base64.RawURLEncoding.DecodeString(encUser)
	if err != nil || string(name) != user {
		return "", true
	}
	issued, err := strconv.ParseInt(issuedStr, 10, 64)
	if err != nil {
		return "", true
	}
	age := d.now().Sub(time.Unix(issued, 0))
	if age < -deviceCookieSkew || age >= DeviceCookieMaxAge {
		return "", true
	}
	mac, err := base64.RawURLEncoding.DecodeString(encMAC)
	if err != nil || !hmac.Equal(mac, d.mac(user, issued)) {
		return "", true
	}
	return c.Value, age >= deviceCookieRenew
}

// set gives the browser a new device cookie for user; HttpOnly, since no
// script needs it, and SameSite=Strict, since no other site does.
func (d *deviceCookies) set(w http.ResponseWriter, user string) {
	if len(user) > maxDeviceUser {
		return
	}
	w.Header().Add("Set-Cookie", DeviceCookie+"="+d.value(user, d.now().Unix())+
		"; Path=/; Max-Age="+strconv.Itoa(int(DeviceCookieMaxAge/time.Second))+"; HttpOnly; Secure; SameSite=Strict")
}
