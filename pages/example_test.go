package pages_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/dashbox/dashbox/pages"
)

// docs/dashboards.md's "Adding a dashboard" declares hello in a package of
// its own; TestDocsExample checks that it is this one.

// hello greets a name as it is typed.
var hello = pages.Dashboard{
	Path:        "/apps/hello",
	Title:       "Hello",
	Description: "Type a name; the server greets it.",
	Build: func() (pages.Content, error) {
		return pages.Content{
			Layout: []pages.Component{
				&pages.TextInput{ID: "name", Label: "Name", Value: "world"},
				&pages.TextOutput{ID: "greeting"},
			},
			Callbacks: []pages.Callback{{
				Name:   "greet",
				Inputs: []string{"name"},
				Func: func(in pages.Inputs) (pages.Outputs, error) {
					return pages.Outputs{"greeting": pages.Textf("Hello, %s!", in.String("name"))}, nil
				},
			}},
		}, nil
	},
}

// A dashboard is declared once: its page and its callbacks, whose names
// make their URLs (/apps/hello/callback/greet). New builds it, running the
// callback once with the layout's initial values, and Dashboards routes
// it.
func ExampleDashboard() {
	p, err := pages.New(pages.Options{
		AssetURL:   func(name string) (string, error) { return "/static/" + name, nil },
		Dashboards: []pages.Dashboard{hello},
	})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	p.Dashboards(func(method, pattern string, h http.Handler) { mux.Handle(method+" "+pattern, h) })

	page := httptest.NewRecorder()
	mux.ServeHTTP(page, httptest.NewRequest("GET", "/apps/hello", nil))
	fmt.Println(page.Code, strings.Contains(page.Body.String(), "Hello, world!"))

	req := httptest.NewRequest("POST", "/apps/hello/callback/greet", strings.NewReader(url.Values{"name": {"Gopher"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	answer := httptest.NewRecorder()
	mux.ServeHTTP(answer, req)
	fmt.Println(answer.Code, answer.Body.String())
	// Output:
	// 200 true
	// 200 {"outputs":{"greeting":{"text":"Hello, Gopher!"}}}
}

// TestDocsExample: docs/dashboards.md's "Adding a dashboard" shows hello as
// a file of a package of its own that imports pages, so its Go block, after
// the package clause and the import, is this file's declaration of hello.
// ExampleDashboard compiles and serves it, so the manual cannot drift from
// the API.
func TestDocsExample(t *testing.T) {
	doc, err := os.ReadFile("../docs/dashboards.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(doc), "\n### Adding a dashboard\n")
	if !ok {
		t.Fatal(`docs/dashboards.md has no "### Adding a dashboard" section`)
	}
	_, block, ok := strings.Cut(section, "\n```go\n")
	block, _, closed := strings.Cut(block, "\n```\n")
	if !ok || !closed {
		t.Fatal(`docs/dashboards.md's "Adding a dashboard" has no Go block`)
	}
	_, decl, ok := strings.Cut(block, "\nimport \"github.com/dashbox/dashbox/pages\"\n\n")
	if !ok || !strings.HasPrefix(block, "package ") {
		t.Fatalf("docs/dashboards.md's dashboard is not a Go file importing pages:\n%s", block)
	}
	src, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(src), "\n"+decl+"\n\n") {
		t.Errorf("docs/dashboards.md's dashboard differs from hello in example_test.go: make them the same\n%s", decl)
	}
}
