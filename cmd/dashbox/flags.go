package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
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

// parseFlagsExplicit is parseFlags that also returns the flags that were set,
// on the command line or through the environment, as "--name=value"
// arguments in name order (a repeatable flag once per value): what
// a system service must be given explicitly, since its environment is empty.
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
		if !set[f.Name] {
			return
		}
		if l, ok := f.Value.(*listFlag); ok {
			for _, v := range *l {
				explicit = append(explicit, "--"+f.Name+"="+v)
			}
			return
		}
		explicit = append(explicit, "--"+f.Name+"="+f.Value.String())
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
