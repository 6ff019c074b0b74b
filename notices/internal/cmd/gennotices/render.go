package main

import (
	"bytes"
	"fmt"
	"strings"
)

const rule = "================================================================================"

// render writes the notices: a preamble, an index of the components, then
// every licence file under a title line that starts with the component's
// heading (what notices.Uncovered looks for).
func render(w *bytes.Buffer, comps []component) {
	w.WriteString(`THIRD-PARTY SOFTWARE NOTICES FOR DASHBOX

dashbox itself is licensed under the Apache License, Version 2.0 (the LICENSE
file beside this one in the release archive). It includes the third-party
software listed below, each under its own licence. This file reproduces every
licence and notice file each of them ships; 'dashbox licenses' prints it.
`)
	sections := []struct{ kind, title string }{
		{"go", "Compiled into the dashbox binary (Go toolchain and modules):"},
		{"npm", "Embedded in the binary and sent to browsers (npm packages):"},
	}
	for _, s := range sections {
		var rows [][3]string
		width := 0
		for _, c := range comps {
			if c.kind == s.kind {
				rows = append(rows, [3]string{c.name, c.version, c.note})
				width = max(width, len(c.name))
			}
		}
		if len(rows) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s\n\n", s.title)
		for _, r := range rows {
			line := fmt.Sprintf("  %-*s  %s", width, r[0], r[1])
			if r[2] != "" {
				line += "  (" + r[2] + ")"
			}
			w.WriteString(line + "\n")
		}
	}
	for _, c := range comps {
		for _, f := range c.files {
			fmt.Fprintf(w, "\n\n%s\n%s%s\n%s\n\n", rule, c.heading, f.name, rule)
			text := strings.ReplaceAll(string(f.text), "\r\n", "\n")
			w.WriteString(strings.TrimRight(text, "\n \t") + "\n")
		}
	}
}
