package service_test

import (
	"fmt"
	"log"
	"net"
	"strings"
	"time"

	"github.com/dashbox/dashbox/service"
)

// The unit for `dashbox service unit --domain=dash.example.com`: the serve
// flags go into ExecStart= after "serve". The CLI, which owns serve's flags,
// describes serve once it has parsed and validated them.
func ExampleUnit() {
	unit, err := service.Unit(service.Config{Serve: service.Serve{
		Args:            []service.Arg{{Flag: "domain", Value: "dash.example.com"}},
		Domains:         []string{"dash.example.com"},
		ShutdownTimeout: 10 * time.Second,
	}})
	if err != nil {
		log.Fatal(err)
	}
	for _, line := range strings.Split(unit, "\n") {
		if strings.HasPrefix(line, "ExecStart=") || strings.HasPrefix(line, "DynamicUser=") || strings.HasPrefix(line, "CapabilityBoundingSet=") {
			fmt.Println(line)
		}
	}
	// Output:
	// ExecStart=/usr/local/bin/dashbox serve --domain=dash.example.com
	// DynamicUser=yes
	// CapabilityBoundingSet=
}

// serve tells systemd it is ready once both listeners are bound, and that it
// is stopping when its graceful shutdown begins. Outside systemd Notify does
// nothing.
func ExampleNotify() {
	https, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer https.Close()
	http, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer http.Close()
	if err := service.Notify("READY=1"); err != nil {
		log.Print(err) // Not fatal: the server works, systemd will time out the start.
	}
	// ... serve until SIGTERM, then:
	service.Notify("STOPPING=1")
}
