package tls

import (
	"errors"
	"fmt"
	"strconv"
)

// The errors of this package say what failed and what to do in terms of the
// thing (the state directory, a domain, a file), never of a command-line
// flag: the caller that knows the flags adds them (see package cmd).

// ValueError is a configured value that cannot be used: a domain name, an
// ACME directory URL, a certificate or CA root file. Its message calls the
// value by what it is ("domain", "ACME CA root file"); a caller that knows
// it by another name, such as a command-line flag, gets the same sentence
// with Named.
type ValueError struct {
	// Kind is what the value is, as the message calls it: "domain".
	Kind string
	// Value is the value as given: the name, URL or path.
	Value string
	// before and after surround "<Kind> <Value>" in the message.
	before, after string
	quote         bool
}

func (e *ValueError) Error() string { return e.Named(e.Kind) }

// Named is the message with the value called name instead of Kind, e.g.
// `invalid --domain "a b": contains spaces; ...`.
func (e *ValueError) Named(name string) string {
	v := e.Value
	if e.quote {
		v = strconv.Quote(v)
	}
	return e.before + name + " " + v + e.after
}

// invalidValue is `invalid <kind> "<value>": <reason>`.
func invalidValue(kind, value, reason string) *ValueError {
	return &ValueError{Kind: kind, Value: value, before: "invalid ", after: ": " + reason, quote: true}
}

// StateDirError is a state directory that cannot be used (missing, not
// writable, open to other users); the message says why and what to do.
type StateDirError struct {
	// Dir is the state directory as given.
	Dir string
	msg string
}

func (e *StateDirError) Error() string { return e.msg }

func stateDirError(dir, format string, args ...any) error {
	return &StateDirError{Dir: dir, msg: fmt.Sprintf(format, args...)}
}

// ErrNoStatus is wrapped by ReadStatus's error when the state directory holds
// no certificate state: no dashbox has served with it yet.
var ErrNoStatus = errors.New("no certificate state")

// errACMEAttemptFailed stands for a failed ACME attempt whose event came
// without its error.
var errACMEAttemptFailed = errors.New("ACME attempt failed")
