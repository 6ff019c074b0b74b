package auth_test

import (
	"fmt"
	"log"
	"net/netip"
	"os"
	"path/filepath"

	"github.com/dashbox/dashbox/auth"
)

// An htpasswd file made with SetPassword, as `dashbox passwd` does, then
// used as serve uses it.
func ExampleOpenHtpasswd() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "htpasswd")
	if _, err := auth.SetPassword(path, "ann", []byte("correct horse"), auth.MinCost); err != nil {
		log.Fatal(err)
	}

	users, err := auth.OpenHtpasswd(path, auth.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer users.Close()
	fmt.Println(users.Authenticate("ann", "correct horse"))
	fmt.Println(users.Authenticate("ann", "battery staple"))
	// Output:
	// true
	// false
}

// Ten failed logins in a minute, and the client waits. Each attempt is
// reserved before its password is checked, so that attempts sent at once
// count too.
func ExampleLimiter() {
	limiter := auth.NewLimiter(auth.LimiterConfig{})
	client := netip.MustParseAddr("192.0.2.7")
	for range 10 {
		done, _ := limiter.Reserve(client, "")
		// ... the password is checked here, and is wrong:
		done(true)
	}
	_, wait := limiter.Reserve(client, "")
	fmt.Println(wait > 0)
	fmt.Println(limiter.Blocked(netip.MustParseAddr("192.0.2.8"), "") > 0)
	// Output:
	// true
	// false
}
