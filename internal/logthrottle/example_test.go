package logthrottle_test

import (
	"fmt"
	"time"

	"github.com/dashbox/dashbox/internal/logthrottle"
)

func Example() {
	throttle := logthrottle.New(time.Minute, 1024)
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	event := func(at time.Duration, client string) {
		first, ended := throttle.Event(start.Add(at), client)
		if ended.Suppressed > 0 {
			fmt.Printf("%d events of %d clients not logged since %s\n",
				ended.Suppressed, ended.Keys, ended.Start.Format(time.TimeOnly))
		}
		if first {
			fmt.Printf("%s: handshake error from %s\n", at, client)
		}
	}
	event(0, "192.0.2.7")
	event(time.Second, "192.0.2.7")
	event(2*time.Second, "198.51.100.1")
	event(30*time.Second, "192.0.2.7")
	event(61*time.Second, "192.0.2.7")
	// Output:
	// 0s: handshake error from 192.0.2.7
	// 2s: handshake error from 198.51.100.1
	// 2 events of 1 clients not logged since 00:00:00
	// 1m1s: handshake error from 192.0.2.7
}
