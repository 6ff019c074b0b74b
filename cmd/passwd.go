package cmd

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/term"

	"github.com/dashbox/dashbox/auth"
	"github.com/dashbox/dashbox/service"
)

const passwdUsage = `Usage: dashbox passwd [--cost N] FILE USER

Adds USER to the htpasswd FILE that 'dashbox serve --auth-file FILE' reads,
or changes USER's password. The password is read from the terminal without
echo, twice; when standard input is not a terminal, from its first line
(for scripts: keep passwords out of command lines and shell history).

The file is created, mode 0600, when missing; other users' lines and
comments stay; it is replaced atomically, so a serve reading it never sees
half a file. A running 'dashbox serve' applies the change within seconds.
The service reads its own copy, made when it starts: after changing the file
it uses, run 'sudo systemctl restart dashbox' (dashbox passwd reminds you).

Flags:
`

// runPasswd is 'dashbox passwd'. stdin is where the password comes from: the
// terminal, read without echo, or a pipe.
func runPasswd(args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("passwd", passwdUsage, stdout)
	cost := fs.Int("cost", auth.DefaultCost, fmt.Sprintf("bcrypt `cost`: each step doubles the work of a login and of a guess (%d to 31)", auth.MinCost))
	// Flags may come before, between or after FILE and USER.
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return usageError{flagErrorLine("passwd", err)}
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if _, err := parseFlagsExplicit(fs, nil, getenv); err != nil { // the environment, for flags not given
		return err
	}
	if len(pos) != 2 {
		return usageError{"dashbox passwd takes a FILE and a USER, such as: dashbox passwd /etc/dashbox/htpasswd ann"}
	}
	file, user := pos[0], pos[1]
	if err := auth.CheckUserName(user); err != nil {
		return usageError{err.Error()}
	}
	if *cost < auth.MinCost || *cost > 31 {
		return usageError{fmt.Sprintf("invalid --cost %d: use %d to 31 (default %d)", *cost, auth.MinCost, auth.DefaultCost)}
	}

	password, err := readPassword(stdin, stderr, user)
	if err != nil {
		return err
	}
	// The first user of /etc/dashbox/htpasswd: make the folder, root's (or
	// the user's) alone.
	if dir := filepath.Dir(file); !exists(dir) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("creating the folder of %s: %v", file, err)
		}
		fmt.Fprintf(stdout, "created %s (mode 0700)\n", dir)
	}
	added, err := auth.SetPassword(file, user, password, *cost)
	clear(password)
	if err != nil {
		return err
	}
	if added {
		fmt.Fprintf(stdout, "added user %s to %s\n", user, file)
	} else {
		fmt.Fprintf(stdout, "changed the password of %s in %s\n", user, file)
	}
	if unit := serviceUsing(file); unit != "" {
		fmt.Fprintf(stdout, "%s reads a copy of %s made when it started: apply the change with sudo systemctl restart %s\n", unit, file, unit)
	}
	return nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// maxPasswordLine bounds what is read from a pipe: far more than a password.
const maxPasswordLine = 4096

// readPassword reads the new password: from a terminal without echo, asked
// twice; otherwise the first line of stdin, without its line ending.
func readPassword(stdin io.Reader, stderr io.Writer, user string) ([]byte, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return readPasswordTerminal(f, stderr, user)
	}
	line, err := bufio.NewReaderSize(io.LimitReader(stdin, maxPasswordLine), maxPasswordLine).ReadSlice('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, errors.New("the first line of standard input is too long to be a password")
		}
		return nil, fmt.Errorf("reading the password from standard input: %v", err)
	}
	password := bytes.Clone(bytes.TrimRight(line, "\r\n"))
	if err := auth.CheckPassword(password); err != nil {
		return nil, fmt.Errorf("%v (read from the first line of standard input, which is not a terminal)", err)
	}
	return password, nil
}

// readPasswordTerminal asks for the password twice on the terminal tty. The
// terminal stops echoing before the prompt shows, so nothing typed or pasted
// as soon as it appears is shown; Ctrl-C and Ctrl-D give up.
func readPasswordTerminal(tty *os.File, prompts io.Writer, user string) ([]byte, error) {
	fd := int(tty.Fd())
	state, err := term.MakeRaw(fd)
	if err != nil {
		return nil, fmt.Errorf("reading the password from the terminal: %v", err)
	}
	defer term.Restore(fd, state)
	t := term.NewTerminal(struct {
		io.Reader
		io.Writer
	}{tty, prompts}, "")
	ask := func(prompt string) ([]byte, error) {
		p, err := t.ReadPassword(prompt)
		if errors.Is(err, io.EOF) {
			io.WriteString(prompts, "\r\n") // end the prompt's line
			return nil, errors.New("interrupted: nothing changed")
		}
		if err != nil {
			return nil, fmt.Errorf("reading the password from the terminal: %v", err)
		}
		return []byte(p), nil
	}
	first, err := ask("New password for " + user + ": ")
	if err != nil {
		return nil, err
	}
	if err := auth.CheckPassword(first); err != nil {
		return nil, err
	}
	again, err := ask("Again: ")
	if err != nil {
		return nil, err
	}
	same := bytes.Equal(first, again)
	clear(again)
	if !same {
		clear(first)
		return nil, errors.New("the two passwords differ: nothing changed; run dashbox passwd again")
	}
	return first, nil
}

// serviceUsing names the installed service unit that loads file as a
// credential (a copy made at its start), or returns "".
func serviceUsing(file string) string {
	abs, err := filepath.Abs(file)
	if err != nil {
		return ""
	}
	if resolved, err := filepath.EvalSymlinks(abs); err == nil {
		abs = resolved
	}
	for _, src := range service.InstalledCredentialFiles(service.Config{}) {
		if resolved, err := filepath.EvalSymlinks(src); err == nil {
			src = resolved
		}
		if src == abs {
			return strings.TrimSuffix(service.DefaultName, ".service") + ".service"
		}
	}
	return ""
}
