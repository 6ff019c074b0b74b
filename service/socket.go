package service

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Socket activation: systemd binds serve's ports in socket units and passes
// the listening sockets to the service (server.Activated). A restart or an
// upgrade of the service never closes them: connections that arrive while
// no process accepts wait in the kernel's backlog instead of being refused,
// and the service needs no capability at all (PID 1 binds ports below 1024).
//
// FileDescriptorName= names every socket of a unit alike, so each listener
// has a unit of its own: <Name>.socket for HTTPS (named "https") and
// <Name>-http.socket for the redirect (named "http"), both activating
// <Name>.service.

// socketTemplate is one socket unit; socketText fills in each @Key@.
const socketTemplate = `# Written by "dashbox service install" beside @Service@; "dashbox service unit"
# prints it. Install again to change it: edits here are overwritten.
[Unit]
Description=@Description@ (@What@ socket)

[Socket]
# systemd holds the listening socket and passes it to @Service@, which
# takes it by this name: restarts and upgrades never close it, and
# connections arriving meanwhile wait in the backlog instead of being refused.
ListenStream=@Listen@
FileDescriptorName=@FDName@
Service=@Service@
@BindIPv6Only@NoDelay=true
Backlog=4096

[Install]
WantedBy=sockets.target
`

// socketUnit is one socket unit of the service.
type socketUnit struct {
	// name is the unit's file name, such as "dashbox.socket".
	name string
	// text is the unit file.
	text string
}

// socketName is the HTTPS socket unit, e.g. "dashbox.socket".
func (c Config) socketName() string { return c.Name + ".socket" }

// httpSocketName is the HTTP redirect's socket unit, e.g.
// "dashbox-http.socket".
func (c Config) httpSocketName() string { return c.Name + "-http.socket" }

// socketNames are every socket unit a service of this name may have, for
// uninstalling whatever an earlier install wrote.
func (c Config) socketNames() []string { return []string{c.socketName(), c.httpSocketName()} }

// socketUnits renders the socket units of cfg (defaults applied): HTTPS, and
// the redirect unless serve runs without it.
func socketUnits(cfg Config) ([]socketUnit, error) {
	httpsAddr := cfg.Serve.HTTPSAddr
	if httpsAddr == "" {
		httpsAddr = ":443"
	}
	units := []socketUnit{}
	add := func(name, what, fdName, addr string) error {
		listen, v6only, err := listenStream(addr)
		if err != nil {
			return fmt.Errorf("the %s address %s cannot be a systemd socket: %v", what, addr, err)
		}
		text := strings.NewReplacer(
			"@Service@", cfg.unitName(),
			"@Description@", cfg.Description,
			"@What@", what,
			"@Listen@", listen,
			"@FDName@", fdName,
			"@BindIPv6Only@", v6only,
		).Replace(socketTemplate)
		units = append(units, socketUnit{name: name, text: text})
		return nil
	}
	if err := add(cfg.socketName(), "HTTPS", "https", httpsAddr); err != nil {
		return nil, err
	}
	if !cfg.Serve.NoHTTP {
		httpAddr := cfg.Serve.HTTPAddr
		if httpAddr == "" {
			httpAddr = ":80"
		}
		if err := add(cfg.httpSocketName(), "HTTP redirect", "http", httpAddr); err != nil {
			return nil, err
		}
	}
	return units, nil
}

// listenStream turns a serve address into a ListenStream= value: ":443" is
// every address, IPv4 and IPv6, as serve binds it (BindIPv6Only=both); an IP
// address keeps its host. Names are refused: systemd binds addresses only.
func listenStream(addr string) (listen, bindIPv6Only string, err error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", "", fmt.Errorf("give host:port")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", "", fmt.Errorf("give a fixed port from 1 to 65535")
	}
	if host == "" {
		return port, "BindIPv6Only=both\n", nil
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return "", "", fmt.Errorf("give an IP address (or none, for all of them) instead of the name %s", host)
	}
	if ip.To4() == nil {
		return "[" + ip.String() + "]:" + port, "", nil
	}
	return ip.String() + ":" + port, "", nil
}

// socketPath is where a socket unit of cfg is written.
func socketPath(name string) string { return filepath.Join(unitDir, name) }

// installedSockets are the socket units of cfg that are installed: stopping
// the service stops them too, or the next connection would start it again.
func (c Config) installedSockets() []string {
	var names []string
	for _, n := range c.socketNames() {
		if _, err := os.Stat(socketPath(n)); err == nil {
			names = append(names, n)
		}
	}
	return names
}

// File is a unit file Install writes besides the service unit.
type File struct {
	// Path is where Install writes it, such as
	// /etc/systemd/system/dashbox.socket.
	Path string
	// Text is its content.
	Text string
}

// Sockets returns the socket units Install writes beside Unit(cfg): the
// HTTPS socket and, unless serve runs without it, the HTTP redirect's. Like
// Unit, it needs no privileges and no systemd.
func Sockets(cfg Config) ([]File, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	units, err := socketUnits(cfg)
	if err != nil {
		return nil, err
	}
	files := make([]File, len(units))
	for i, u := range units {
		files[i] = File{Path: socketPath(u.name), Text: u.text}
	}
	return files, nil
}
