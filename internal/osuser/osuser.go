// Package osuser names the user dashbox runs as, for messages about
// permissions: they are fixed with chown and chmod, so the message must
// name the user the kernel checked, often a service user and not the
// operator reading it.
package osuser

import (
	"os"
	"os/user"
	"strconv"
)

// Name is the name of the user whose permissions apply to this process
// (the effective user: the kernel checks file access against it), or its
// numeric uid when it has no name; chown takes either.
func Name() string {
	if name := lookup(); name != "" {
		return name
	}
	return strconv.Itoa(os.Geteuid())
}

// Describe names the effective user with its uid, like "nobody (uid
// 65534)", or "uid 61234" when the uid has no name (a container's user
// that is not in /etc/passwd).
func Describe() string {
	uid := strconv.Itoa(os.Geteuid())
	if name := lookup(); name != "" {
		return name + " (uid " + uid + ")"
	}
	return "uid " + uid
}

func lookup() string {
	u, err := user.LookupId(strconv.Itoa(os.Geteuid()))
	if err != nil {
		return ""
	}
	return u.Username
}
