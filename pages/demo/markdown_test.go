package demo

import (
	"os"
	"testing"

	"github.com/dashbox/dashbox/pages/internal/markdown"
)

// TestMarkdownIsGenerated: the HTML dashbox embeds is what goldmark makes of
// the Markdown next to it, so an edited page cannot ship unrendered.
func TestMarkdownIsGenerated(t *testing.T) {
	src, err := os.ReadFile("app4.md")
	if err != nil {
		t.Fatal(err)
	}
	want, err := markdown.ToHTML(src)
	if err != nil {
		t.Fatal(err)
	}
	if app4HTML != string(want) {
		t.Error("pages/demo/app4.html is not pages/demo/app4.md rendered: run go generate ./pages/...")
	}
}
