package service

import (
	"net"
	"strings"
	"time"
)

// Serve describes the serve command the unit runs. The CLI owns serve's
// flags: it parses and validates them once, and describes the result here,
// so this package never reads a command line back. Its zero value runs serve
// with no arguments.
type Serve struct {
	// Args are serve's arguments after "serve", in order, each written
	// --Flag=Value in ExecStart=.
	Args []Arg

	// Domains are the names serve gets certificates for: the URLs Install
	// prints. None means the machine's host name.
	Domains []string

	// HTTPSAddr is the address of serve's HTTPS listener: the URLs' port.
	// Empty means port 443.
	HTTPSAddr string

	// HTTPAddr is the address of serve's HTTP redirect listener. Empty means
	// port 80, unless NoHTTP.
	HTTPAddr string

	// NoHTTP is true when serve runs without the HTTP redirect listener
	// (--http-addr set empty): the unit holds no socket for it.
	NoHTTP bool

	// ShutdownTimeout is how long serve lets requests in flight finish after
	// SIGTERM: the unit's TimeoutStopSec= covers it, plus a margin.
	ShutdownTimeout time.Duration
}

// Arg is one serve argument: --Flag=Value.
type Arg struct {
	// Flag is the flag's name without dashes, such as "domain".
	Flag string
	// Value is the flag's value, already valid for serve.
	Value string
	// Kind says what the value is to the unit, which decides how it is
	// checked and written.
	Kind ArgKind
	// Credential is the name of the file's copy when Kind is Secret
	// (LoadCredential=<Credential>:<Value>), such as "htpasswd".
	Credential string
}

// ArgKind is what an argument's value is to the unit.
type ArgKind int

const (
	// Plain values are written as they are.
	Plain ArgKind = iota
	// StateDir is serve's state directory: the service has only its own,
	// systemd's StateDirectory=, so the value must be that one.
	StateDir
	// LogFile is a log file: "-" (standard output, the journal), "off", or
	// a file in the unit's LogsDirectory=, the only place it may write.
	LogFile
	// ReadDir is a directory the service reads: an absolute path the
	// sandbox does not hide, readable by any user.
	ReadDir
	// Secret is a file the service reads that may be root's alone: the
	// unit loads it with LoadCredential= and the argument names the copy.
	Secret
)

// words is s.Args as "--flag=value", the way serve reads them.
func (s Serve) words() []string {
	w := make([]string, len(s.Args))
	for i, a := range s.Args {
		w[i] = "--" + a.Flag + "=" + a.Value
	}
	return w
}

// URLs are the addresses to open in a browser: one per domain, or the
// machine's host name when serve has no domain. The port is left out when it
// is the HTTPS default.
func (s Serve) URLs(hostname func() (string, error)) []string {
	hosts := s.Domains
	if len(hosts) == 0 {
		h, err := hostname()
		if err != nil || h == "" {
			h = "localhost"
		}
		hosts = []string{h}
	}
	_, port, err := net.SplitHostPort(s.HTTPSAddr)
	if err != nil || port == "" {
		port = "443"
	}
	urls := make([]string, 0, len(hosts))
	for _, h := range hosts {
		hostport := h
		if port != "443" {
			hostport = net.JoinHostPort(h, port)
		} else if strings.Contains(h, ":") {
			hostport = "[" + h + "]"
		}
		urls = append(urls, "https://"+hostport+"/")
	}
	return urls
}
