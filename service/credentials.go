package service

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
)

// The service runs as a dynamic user that owns no file on the machine, so it
// cannot read an administrator's files that are kept from other users, as a
// private key or an htpasswd file must be. Loosening their modes, or giving
// the service a group that may read them, would let more than the service
// read them. systemd's LoadCredential= does it the other way round: at each
// start, systemd (as root, outside the sandbox) copies each file into a
// directory of its own for this service, $CREDENTIALS_DIRECTORY
// (/run/credentials/<unit>), on a file system that is never swapped, readable
// by the service's user alone, and gone when the service stops. The serve
// flag in ExecStart= names the copy through the %d specifier. The originals
// stay where they are, root's alone (0600), anywhere root may read, home
// directories included. The unit's sandbox is untouched, and so is its
// systemd-analyze exposure score.
//
// The price: the copy is made at start. `systemctl reload` (SIGHUP) re-reads
// the copy, not the original, so a changed file applies with `systemctl
// restart dashbox`, or with `dashbox service install` again, which restarts
// the service when a file differs from the copy it runs with.

// credential is one file the unit loads with LoadCredential=.
type credential struct {
	// flag is the serve flag, such as "auth-file".
	flag string
	// name is the credential's name, such as "htpasswd".
	name string
	// source is the administrator's file.
	source string
}

// loadLine is the unit line that loads c.
func (c credential) loadLine() string { return "LoadCredential=" + c.name + ":" + c.source }

// execArg is the serve argument that names c's copy: %d is systemd's
// specifier for $CREDENTIALS_DIRECTORY.
func (c credential) execArg() string { return "--" + c.flag + "=%d/" + c.name }

// validCredentialPath keeps source paths free of anything systemd would
// expand or split, and of the template markers kardianos/service's engine
// reads, so they read the same in LoadCredential= and on disk.
var validCredentialPath = regexp.MustCompile(`^/[A-Za-z0-9_./+@,=-]+$`)

// check refuses sources the unit cannot load safely.
func (c credential) check() error {
	switch {
	case !path.IsAbs(c.source):
		return fmt.Errorf("--%s=%s: give an absolute path for the service", c.flag, c.source)
	case !validCredentialPath.MatchString(c.source) || path.Clean(c.source) != c.source:
		return fmt.Errorf("--%s=%s: give a clean path made of letters, digits and ._+@,=- only (the unit's LoadCredential= must read it as it is), such as /etc/dashbox/%s", c.flag, c.source, c.name)
	}
	for _, d := range []string{"/tmp", "/var/tmp", "/dev/shm"} {
		if strings.HasPrefix(c.source, d+"/") {
			return fmt.Errorf("--%s=%s is under %s, where any user may put files: move it to a directory such as /etc/dashbox", c.flag, c.source, d)
		}
	}
	return nil
}

// serveExecArgs turns serve's arguments into the words of ExecStart= after
// "serve", and the credentials the unit must load for them: a Secret
// argument becomes --flag=%d/<credential>; every other argument is escaped
// with execWord.
func serveExecArgs(args []Arg) (words []string, creds []credential, err error) {
	for _, a := range args {
		if a.Kind != Secret {
			w, err := execWord("--" + a.Flag + "=" + a.Value)
			if err != nil {
				return nil, nil, fmt.Errorf("serve %v", err)
			}
			words = append(words, w)
			continue
		}
		if !validName.MatchString(a.Credential) {
			return nil, nil, fmt.Errorf("--%s: credential name %q: use letters, digits, - and _ only", a.Flag, a.Credential)
		}
		c := credential{flag: a.Flag, name: a.Credential, source: a.Value}
		if err := c.check(); err != nil {
			return nil, nil, err
		}
		// The same file under one name twice: systemd loads it once.
		for j := range creds {
			if creds[j].name == c.name {
				creds = append(creds[:j], creds[j+1:]...)
				break
			}
		}
		creds = append(creds, c)
		words = append(words, c.execArg())
	}
	return words, creds, nil
}

// credentialsSection is the unit text that loads creds, "" without any.
func credentialsSection(creds []credential) string {
	if len(creds) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(`# Files for serve, copied by systemd at each start into a directory only
# this service can read ($CREDENTIALS_DIRECTORY, %d below): the originals stay
# root's alone. Changed files apply on restart (systemctl restart), not on
# reload.
`)
	for _, c := range creds {
		b.WriteString(c.loadLine() + "\n")
	}
	b.WriteString("\n")
	return b.String()
}

// parseLoadCredential reads a LoadCredential= line of an installed unit into
// the credential's name and source path.
func parseLoadCredential(line string) (name, source string, ok bool) {
	v, ok := strings.CutPrefix(strings.TrimSpace(line), "LoadCredential=")
	if !ok {
		return "", "", false
	}
	return strings.Cut(v, ":")
}

// restoreCredentialArgs puts the administrator's paths back into serve
// arguments read from an installed unit: --name=%d/<credential> becomes
// --name=<source> of the credential's LoadCredential= line.
func restoreCredentialArgs(args []string, sources map[string]string) []string {
	for i, a := range args {
		flag, value, ok := strings.Cut(strings.TrimLeft(a, "-"), "=")
		credName, isCred := strings.CutPrefix(value, "%d/")
		if !ok || !isCred {
			continue
		}
		if src, ok := sources[credName]; ok {
			args[i] = "--" + flag + "=" + src
		}
	}
	return args
}

// InstalledCredentialFiles returns the files the installed unit of cfg
// loads as credentials (copies made at its start): `dashbox passwd` says to
// restart the service after changing one. It returns nothing when no unit
// is installed or it loads no file.
func InstalledCredentialFiles(cfg Config) []string {
	u, err := readInstalledUnit(unitPath(cfg.withDefaults()))
	if err != nil {
		return nil
	}
	var files []string
	for _, src := range u.credentials {
		files = append(files, src)
	}
	return files
}

// credentialsDir is where systemd keeps a running unit's credentials.
var credentialsDir = "/run/credentials"

// credentialsChanged reports whether a file the running unit loads differs
// from the copy it runs with, which systemd made at its start: only a
// restart copies the file again. Without a copy to compare (the unit is not
// running) there is nothing to apply.
func credentialsChanged(unit string, creds []credential) bool {
	for _, c := range creds {
		copied, err := os.ReadFile(filepath.Join(credentialsDir, unit, c.name))
		if err != nil {
			continue
		}
		current, err := os.ReadFile(c.source)
		if err == nil && !bytes.Equal(current, copied) {
			return true
		}
	}
	return false
}
