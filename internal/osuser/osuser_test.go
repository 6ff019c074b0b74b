package osuser

import (
	"os"
	"os/user"
	"strconv"
	"testing"
)

// TestNamesTheEffectiveUser: both functions name the user file permissions
// are checked against, as /etc/passwd (or NSS) knows it.
func TestNamesTheEffectiveUser(t *testing.T) {
	uid := strconv.Itoa(os.Geteuid())
	u, err := user.LookupId(uid)
	if err != nil || u.Username == "" {
		if got, want := Name(), uid; got != want {
			t.Errorf("Name() = %q, want the uid %q (it has no name here)", got, want)
		}
		if got, want := Describe(), "uid "+uid; got != want {
			t.Errorf("Describe() = %q, want %q", got, want)
		}
		return
	}
	if got := Name(); got != u.Username {
		t.Errorf("Name() = %q, want %q", got, u.Username)
	}
	if got, want := Describe(), u.Username+" (uid "+uid+")"; got != want {
		t.Errorf("Describe() = %q, want %q", got, want)
	}
}
