package notices_test

import (
	"fmt"
	"runtime/debug"

	"github.com/dashbox/dashbox/notices"
)

// A release checks that every Go component in a binary has its licence in
// the notices it ships with.
func ExampleUncovered() {
	text := []byte("\n" + notices.GoHeading("go1.26.8") + "LICENSE\n")
	bi := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Deps:      []*debug.Module{{Path: "github.com/go-chi/chi/v5", Version: "v5.5.0"}},
	}
	fmt.Println(notices.Uncovered(text, bi))
	// Output: [github.com/go-chi/chi/v5 v5.5.0]
}
