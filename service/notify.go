package service

import (
	"fmt"
	"net"
	"os"
)

// Notify sends state to the service manager over the sd_notify protocol:
// "READY=1" once serve's listeners are bound (the unit is Type=notify, so
// `systemctl start` and `service install` wait for it and report a failed
// start), "STOPPING=1" when it begins its graceful shutdown, "RELOADING=1",
// "STATUS=..." for systemctl status. Several assignments may be sent at once,
// separated by newlines.
//
// It does nothing and returns nil when $NOTIFY_SOCKET is unset, which is the
// case outside systemd and on every other system. The socket may be a path or
// an abstract socket ("@name"). It is a plain datagram write, without cgo or
// a systemd library.
func Notify(state string) error {
	socket := os.Getenv("NOTIFY_SOCKET")
	if socket == "" {
		return nil
	}
	if socket[0] != '/' && socket[0] != '@' {
		return fmt.Errorf("sd_notify: NOTIFY_SOCKET=%s is neither a path nor an abstract socket", socket)
	}
	// The net package maps a leading "@" to the Linux abstract namespace.
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: socket, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("sd_notify: %w", err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(state)); err != nil {
		return fmt.Errorf("sd_notify %q: %w", state, err)
	}
	return nil
}
