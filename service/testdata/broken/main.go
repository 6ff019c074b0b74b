// Command broken is a dashbox that passes every check of 'dashbox service
// upgrade' (it runs, prints a version, accepts serve --check) but exits 1
// when it starts serving: the upgrade must roll back by itself
// (TestServiceRestarts).
package main

import (
	"fmt"
	"os"
)

func main() {
	switch {
	case len(os.Args) > 1 && os.Args[1] == "version":
		fmt.Println("dashbox v0.0.0-broken")
	case len(os.Args) > 1 && os.Args[1] == "serve" && os.Args[len(os.Args)-1] == "--check":
		fmt.Println("serve --check: configuration OK")
	default:
		fmt.Fprintln(os.Stderr, "broken: exits at start, as a broken release would")
		os.Exit(1)
	}
}
