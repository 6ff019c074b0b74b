// Command dashbox serves dashboards over HTTPS from one binary: TLS with its
// own local CA, Let's Encrypt or an admin's files, the HTTP-to-HTTPS redirect,
// embedded static files and the demo's 18 dashboards. Its command line is
// package cmd, which a module with dashboards of its own builds the same way.
package main

import (
	"github.com/dashbox/dashbox/cmd"
	"github.com/dashbox/dashbox/pages/demo"
)

func main() {
	cmd.Main(cmd.Options{Dashboards: demo.Dashboards()})
}
