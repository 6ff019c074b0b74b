package doctor

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/dashbox/dashbox/internal/osuser"
)

// Access modes, as access(2) takes them.
const (
	mayRead  = 4
	mayWrite = 2
	mayEnter = 1
)

// serviceUser names the installed service's user in messages.
const serviceUser = "the service's dynamic user"

// checkStateDir checks that the user serve runs as can create and write
// the state directory, as serve itself would at start (tls.CheckStateDir),
// without creating or changing anything.
func checkStateDir(cfg Config) Result {
	d := cfg.StateDir
	r := Result{Check: label(d, "state directory")}
	if d.Path == "" {
		r.Status, r.Message, r.Fix = Fail, "none given", "give a state directory"
		return r
	}
	if cfg.Service {
		// systemd makes StateDirectory= and hands it to the dynamic user
		// at each start: only a read-only file system can stand in the way.
		parent := existingParent(d.Path)
		if err := access(parent, mayWrite|mayEnter); err != nil {
			r.Status, r.Message = Fail, fmt.Sprintf("systemd cannot create %s: %s: %v", d.Path, parent, err)
			r.Fix = "make " + parent + " writable by root (a read-only file system?)"
			return r
		}
		r.Message = d.Path + " is made by systemd (StateDirectory=) for " + serviceUser
		return r
	}
	user := osuser.Describe()
	fi, err := os.Stat(d.Path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		parent := existingParent(d.Path)
		if err := access(parent, mayWrite|mayEnter); err != nil {
			r.Status, r.Message = Fail, fmt.Sprintf("%s does not exist and user %s cannot create it in %s: %v", d.Path, user, parent, err)
			r.Fix = fmt.Sprintf("create it: mkdir -m 0700 %s && chown %s %s, or use another directory", d.Path, osuser.Name(), d.Path)
			return r
		}
		r.Message = fmt.Sprintf("%s does not exist yet; user %s can create it", d.Path, user)
		return r
	case err != nil:
		r.Status, r.Message = Fail, fmt.Sprintf("user %s cannot reach %s: %v", user, d.Path, unwrap(err))
		r.Fix = "let the user enter its parent directories (chmod o+x), or use another directory"
		return r
	case !fi.IsDir():
		r.Status, r.Message, r.Fix = Fail, d.Path+" is a file, not a directory", "move the file away or use another directory"
		return r
	}
	if err := access(d.Path, mayRead|mayWrite|mayEnter); err != nil {
		r.Status, r.Message = Fail, fmt.Sprintf("user %s cannot write %s: %v", user, d.Path, err)
		r.Fix = fmt.Sprintf("chown %s %s && chmod 0700 %s, or use another directory", osuser.Name(), d.Path, d.Path)
		return r
	}
	if fi.Mode().Perm()&0o022 != 0 {
		if owner, ok := fileOwner(fi); ok && owner != os.Geteuid() {
			r.Status, r.Message = Fail, fmt.Sprintf("%s is writable by other users than its owner (mode %04o): serve refuses it, as they could swap its CA", d.Path, fi.Mode().Perm())
			r.Fix = fmt.Sprintf("chmod 0700 %s && chown %s %s", d.Path, osuser.Name(), d.Path)
			return r
		}
	}
	r.Message = fmt.Sprintf("%s is writable by user %s", d.Path, user)
	return r
}

// checkStaticDir checks that serve's user can list and read the static
// directory.
func checkStaticDir(cfg Config) []Result {
	d := cfg.StaticDir
	if d.Path == "" {
		return nil
	}
	r := Result{Check: label(d, "static directory")}
	if cfg.Service {
		if err := readableByAnyone(d.Path, true); err != nil {
			r.Status, r.Message, r.Fix = Fail, serviceUser+" cannot read it: "+err.Error(), fixOf(err)
			return []Result{r}
		}
		r.Message = d.Path + " is readable by " + serviceUser
		return []Result{r}
	}
	fi, err := os.Stat(d.Path)
	if err == nil && !fi.IsDir() {
		r.Status, r.Message, r.Fix = Fail, d.Path+" is a file, not a directory", "give a directory"
		return []Result{r}
	}
	if err == nil {
		err = access(d.Path, mayRead|mayEnter)
	}
	if errors.Is(err, fs.ErrNotExist) {
		r.Status, r.Message, r.Fix = Fail, d.Path+" does not exist", "create it, or give another directory"
		return []Result{r}
	}
	if err != nil {
		r.Status, r.Message = Fail, fmt.Sprintf("user %s cannot read %s: %v", osuser.Describe(), d.Path, unwrap(err))
		r.Fix = "chmod o+rx it (and o+x its parents), or chown it to that user"
		return []Result{r}
	}
	r.Message = fmt.Sprintf("%s is readable by user %s", d.Path, osuser.Describe())
	return []Result{r}
}

// checkFile checks that a file serve reads is readable: by root for the
// service, which loads it with LoadCredential=, else by serve's user.
func checkFile(cfg Config, f Path) []Result {
	if f.Path == "" {
		return nil
	}
	r := Result{Check: label(f, "file")}
	who := "user " + osuser.Describe()
	if cfg.Service {
		who = "systemd (as root, LoadCredential=)"
		if os.Geteuid() != 0 {
			r.Status, r.Message, r.Fix = Warn, "not checked: systemd reads it as root", "run dashbox doctor with sudo to check it"
			return []Result{r}
		}
	}
	fi, err := os.Stat(f.Path)
	if err == nil && fi.IsDir() {
		r.Status, r.Message, r.Fix = Fail, f.Path+" is a directory, not a file", "give a file"
		return []Result{r}
	}
	if err == nil {
		err = access(f.Path, mayRead)
	}
	if errors.Is(err, fs.ErrNotExist) {
		r.Status, r.Message, r.Fix = Fail, f.Path+" does not exist", "create it, or give another file"
		return []Result{r}
	}
	if err != nil {
		r.Status, r.Message = Fail, fmt.Sprintf("%s cannot read %s: %v", who, f.Path, unwrap(err))
		r.Fix = "make it readable by that user (chown or chmod), or give another file"
		return []Result{r}
	}
	r.Message = fmt.Sprintf("%s is readable by %s", f.Path, who)
	return []Result{r}
}

// existingParent is p, or its nearest parent that exists.
func existingParent(p string) string {
	p = filepath.Clean(p)
	for {
		if _, err := os.Stat(p); err == nil || p == filepath.Dir(p) {
			return p
		}
		p = filepath.Dir(p)
	}
}

// fixError is an error that knows its fix.
type fixError struct{ msg, fix string }

func (e fixError) Error() string { return e.msg }

func fixOf(err error) string {
	var fe fixError
	if errors.As(err, &fe) {
		return fe.fix
	}
	return ""
}

// readableByAnyone checks the permission bits a user in no group, owning
// nothing, goes by: every parent searchable by others, and the path itself
// readable (and searchable, for a directory).
func readableByAnyone(path string, dir bool) error {
	path = filepath.Clean(path)
	if !filepath.IsAbs(path) {
		return fixError{path + " is not an absolute path", "give an absolute path"}
	}
	for p := path; ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return fixError{unwrap(err).Error(), "create it or give another path"}
		}
		need, chmod := fs.FileMode(0o001), "o+x"
		if p == path {
			need, chmod = 0o004, "o+r"
			if dir {
				need, chmod = 0o005, "o+rx"
			}
		}
		if fi.Mode().Perm()&need != need {
			return fixError{fmt.Sprintf("%s has mode %v", p, fi.Mode().Perm()), "chmod " + chmod + " " + p}
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

func label(p Path, fallback string) string {
	if p.Label != "" {
		return p.Label
	}
	return fallback
}

// unwrap drops the operation and path of a *fs.PathError, which the
// messages already name.
func unwrap(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
