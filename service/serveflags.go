package service

import (
	"fmt"
	"net"
	"strings"
	"time"
)

// defaultShutdownTimeout is serve's --shutdown-timeout default: how long it
// lets requests in flight finish after SIGTERM.
const defaultShutdownTimeout = 10 * time.Second

// serveFlags holds the few serve flags the unit depends on. The cmd package
// owns the flag set and has validated the arguments before they get here;
// this package reads them back only to derive what the unit and the messages
// need (stop timeout, URLs) and to refuse settings the sandbox would break.
type serveFlags struct {
	domains         []string
	httpsAddr       string
	stateDir        string
	accessLog       string
	staticDir       string
	shutdownTimeout time.Duration
}

// parseServeFlags reads serve arguments in any form the standard flag package
// accepts: -name=value, --name=value, -name value and --name value.
// Flags this package does not need are skipped.
func parseServeFlags(args []string) (serveFlags, error) {
	f := serveFlags{httpsAddr: ":443", shutdownTimeout: defaultShutdownTimeout}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			break // The flag package stops here too.
		}
		if !strings.HasPrefix(arg, "-") {
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		var dst *string
		var list bool
		switch name {
		case "domain":
			list = true
		case "https-addr":
			dst = &f.httpsAddr
		case "state-dir":
			dst = &f.stateDir
		case "access-log":
			dst = &f.accessLog
		case "static-dir":
			dst = &f.staticDir
		case "shutdown-timeout":
		default:
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				return f, fmt.Errorf("serve flag %s needs a value", arg)
			}
			i++
			value = args[i]
		}
		switch {
		case list:
			f.domains = append(f.domains, value)
		case dst != nil:
			*dst = value
		default:
			d, err := time.ParseDuration(value)
			if err != nil || d < 0 {
				return f, fmt.Errorf("serve flag --shutdown-timeout=%s is not a duration such as 10s", value)
			}
			f.shutdownTimeout = d
		}
	}
	return f, nil
}

// urls are the addresses to open in a browser: one per domain, or the
// machine's host name when serve was given no domain. The port is left out
// when it is the HTTPS default.
func (f serveFlags) urls(hostname func() (string, error)) []string {
	hosts := f.domains
	if len(hosts) == 0 {
		h, err := hostname()
		if err != nil || h == "" {
			h = "localhost"
		}
		hosts = []string{h}
	}
	_, port, err := net.SplitHostPort(f.httpsAddr)
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
