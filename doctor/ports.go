package doctor

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"syscall"

	"github.com/dashbox/dashbox/internal/osuser"
)

// checkPorts binds each listener's address for a moment, as serve would,
// and says who holds a taken port when /proc tells.
func checkPorts(cfg Config) []Result {
	var rs []Result
	for _, l := range []struct{ name, addr string }{{"HTTPS", cfg.HTTPSAddr}, {"HTTP", cfg.HTTPAddr}, {"metrics", cfg.MetricsAddr}} {
		if l.addr == "" {
			continue
		}
		rs = append(rs, checkPort(cfg, l.name, l.addr))
	}
	return rs
}

func checkPort(cfg Config, name, addr string) Result {
	r := Result{Check: name + " port " + addr}
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		ln.Close()
		r.Message = "free"
		return r
	}
	port := 0
	if _, p, splitErr := net.SplitHostPort(addr); splitErr == nil {
		port, _ = strconv.Atoi(p)
	}
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		holder, found := portHolder(port)
		switch {
		case found && holder.pid == 1:
			r.Message = "held by systemd (socket activation): it hands the socket to dashbox"
		case found && holder.name == "dashbox":
			r.Status, r.Message = Warn, fmt.Sprintf("in use by a running dashbox (pid %d)", holder.pid)
			r.Fix = "fine if it is the one being checked; otherwise stop it first (sudo systemctl stop dashbox) or choose another address"
		case found:
			r.Status, r.Message = Fail, fmt.Sprintf("in use by %s (pid %d)", holder.name, holder.pid)
			r.Fix = "stop that program or choose another address"
		case cfg.Service && os.Geteuid() != 0:
			// Most likely the running service, whose sockets only root sees.
			r.Status, r.Message = Warn, "in use, by a process this user cannot see: the running service?"
			r.Fix = "run dashbox doctor with sudo to see which program holds it"
		default:
			r.Status, r.Message = Fail, "in use by another program"
			r.Fix = fmt.Sprintf("find it with ss -ltnp 'sport = :%d' and stop it, or choose another address", port)
		}
	case errors.Is(err, syscall.EACCES) && cfg.Service:
		r.Message = "privileged; systemd binds it for the service (dashbox.socket)"
	case errors.Is(err, syscall.EACCES):
		r.Status, r.Message = Fail, fmt.Sprintf("user %s may not bind port %d", osuser.Describe(), port)
		r.Fix = "run as root or as the system service (dashbox service install), or choose a port above 1023"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		r.Status, r.Message = Fail, "the address is not one of this machine's"
		r.Fix = "give an address of this machine, or none (:443) for all"
	default:
		r.Status, r.Message, r.Fix = Fail, unwrapNet(err).Error(), "choose another address"
	}
	return r
}

// process is a process holding a socket.
type process struct {
	pid  int
	name string
}

func unwrapNet(err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) {
		var se *os.SyscallError
		if errors.As(oe.Err, &se) {
			return se.Err
		}
		return oe.Err
	}
	return err
}
