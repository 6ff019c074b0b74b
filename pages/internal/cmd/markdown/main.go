// Command markdown renders a page's Markdown source as the HTML file the
// pages package embeds (package markdown says why it is not done at run
// time). `go generate ./pages/...` runs it for each Markdown page:
//
//	go run ../internal/cmd/markdown -in app4.md -out app4.html   (from pages/demo/)
//
// It prints one summary line and exits non-zero with a one-line error when
// a file cannot be read or written; it replaces -out whole or not at all.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/dashbox/dashbox/pages/internal/markdown"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fl := flag.NewFlagSet("markdown", flag.ContinueOnError)
	in := fl.String("in", "", "Markdown `file` to render")
	out := fl.String("out", "", "HTML `file` to write")
	fl.SetOutput(stdout)
	if err := fl.Parse(args); err != nil {
		return fmt.Errorf("markdown: %w", err)
	}
	if fl.NArg() > 0 {
		return fmt.Errorf("markdown: unexpected argument %q: the input is -in, the output -out", fl.Arg(0))
	}
	if *in == "" || *out == "" {
		return fmt.Errorf("markdown: both -in (the Markdown file) and -out (the HTML file) are required")
	}
	src, err := os.ReadFile(*in)
	if err != nil {
		return fmt.Errorf("markdown: %w", err)
	}
	html, err := markdown.ToHTML(src)
	if err != nil {
		return fmt.Errorf("markdown: rendering %s: %w", *in, err)
	}
	if err := writeFile(*out, html); err != nil {
		return fmt.Errorf("markdown: %w", err)
	}
	fmt.Fprintf(stdout, "markdown: %s -> %s, %d bytes\n", *in, *out, len(html))
	return nil
}

// writeFile replaces name with data through a temporary file in the same
// folder, so that a failed write leaves the old file as it was.
func writeFile(name string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), name)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}
