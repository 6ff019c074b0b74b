package cmd

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/dashbox/dashbox/service"
)

// newFlagSet returns a flag set whose help goes to stdout when it is asked
// for, and whose errors are returned as one line, not printed. (The flag
// package prints the usage on every parse error too: it goes to a buffer
// that parseFlagsExplicit writes out only for -h.)
func newFlagSet(name, usage string, stdout io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	help := &helpBuffer{stdout: stdout}
	fs.SetOutput(help)
	fs.Usage = func() {
		help.Reset()
		help.WriteString(usage)
		fs.PrintDefaults()
	}
	return fs
}

// helpBuffer holds a flag set's usage text until it is known to be wanted.
type helpBuffer struct {
	bytes.Buffer
	stdout io.Writer
}

// parseFlags parses args, then fills every flag not given on the command line
// from its environment variable: DASHBOX_ and the flag's name in upper case
// with '-' as '_'. Flags win over the environment.
func parseFlags(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	_, err := parseFlagsExplicit(fs, args, getenv)
	return err
}

// parseFlagsExplicit is parseFlags that also returns the names of the flags
// that were set, on the command line or through the environment, in name
// order: what a system service must be given explicitly, since its
// environment is empty.
func parseFlagsExplicit(fs *flag.FlagSet, args []string, getenv func(string) string) ([]string, error) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			if help, ok := fs.Output().(*helpBuffer); ok {
				help.WriteTo(help.stdout)
			}
			return nil, err
		}
		return nil, usageError{flagErrorLine(fs.Name(), err)}
	}
	if fs.NArg() > 0 {
		return nil, usageError{fmt.Sprintf("unexpected argument %q: dashbox %s takes only flags (see dashbox %s --help)", fs.Arg(0), fs.Name(), fs.Name())}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] {
			return
		}
		env := envName(f.Name)
		v := getenv(env)
		if v == "" {
			return
		}
		if err := f.Value.Set(v); err != nil {
			errs = append(errs, usageError{fmt.Sprintf("invalid %s=%q: %v", env, v, err)})
			return
		}
		set[f.Name] = true
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var explicit []string
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] {
			explicit = append(explicit, f.Name)
		}
	})
	return explicit, nil
}

// envName is the environment variable that stands in for a flag.
func envName(flagName string) string {
	return "DASHBOX_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// flagErrorLine rewrites the flag package's messages into one line that says
// what to do.
func flagErrorLine(cmd string, err error) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		return fmt.Sprintf("unknown flag %s: see 'dashbox %s --help' for the flags", name, cmd)
	}
	return fmt.Sprintf("%s: see 'dashbox %s --help'", msg, cmd)
}

// listFlag is a repeatable flag; from the environment it takes a
// comma-separated list.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// serveFlagSet is serve's flag set. Each flag is defined once, here or with
// the flag package's methods (plain values), with the kind of its value:
// what the unit does with it when 'service install' carries it.
type serveFlagSet struct {
	*flag.FlagSet
	// kinds holds the flags whose value is not service.Plain.
	kinds map[string]service.Arg
	// own are flags of the service command itself, not passed to serve.
	own map[string]bool
}

// path defines a flag naming a file or directory of the given kind: the
// unit runs in /, so a relative path is made absolute where it was given
// (service.ReadDir, service.Secret); service.StateDir and service.LogFile
// must be the unit's own directories and are checked as given.
func (fs *serveFlagSet) path(p *string, name, value, usage string, kind service.ArgKind) {
	fs.StringVar(p, name, value, usage)
	fs.kinds[name] = service.Arg{Kind: kind}
}

// secret defines a flag naming a file that may be root's alone: the unit
// loads it with LoadCredential= under the name credential.
func (fs *serveFlagSet) secret(p *string, name, credential, usage string) {
	fs.StringVar(p, name, "", usage)
	fs.kinds[name] = service.Arg{Kind: service.Secret, Credential: credential}
}

// unitArgs describes the flags of set (names, as parseFlagsExplicit returns
// them) as arguments for the unit, one per value of a list flag, with paths
// made absolute.
func (fs *serveFlagSet) unitArgs(set []string) ([]service.Arg, error) {
	var args []service.Arg
	for _, name := range set {
		if fs.own[name] {
			continue
		}
		f := fs.Lookup(name)
		values := []string{f.Value.String()}
		if l, ok := f.Value.(*listFlag); ok {
			values = *l
		}
		for _, v := range values {
			a := fs.kinds[name]
			a.Flag, a.Value = name, v
			if (a.Kind == service.ReadDir || a.Kind == service.Secret) && v != "" && !filepath.IsAbs(v) {
				abs, err := filepath.Abs(v)
				if err != nil {
					return nil, fmt.Errorf("--%s=%s: %v", name, v, err)
				}
				a.Value = abs
			}
			args = append(args, a)
		}
	}
	return args, nil
}
