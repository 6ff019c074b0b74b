package static_test

import (
	"fmt"
	"html/template"
	"log"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/dashbox/dashbox/static"
)

// Mount the handler on a chi router and link assets by their fingerprinted
// URLs, which browsers may cache for a year.
func Example() {
	assets, err := static.New(static.Options{
		Dir: "", // or the operator's --static-dir, checked first with static.ValidateDir
	})
	if err != nil {
		log.Fatal(err)
	}

	r := chi.NewRouter()
	r.Handle(static.Prefix+"*", assets) // "/static/*"; the handler wants the full path

	css, err := assets.URL("css/dashbox.css")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(regexp.MustCompile(`^/static/css/dashbox\.[0-9a-f]{12}\.css$`).MatchString(css))

	w := httptest.NewRecorder()
	req := httptest.NewRequest("GET", css, nil)
	req.Header.Set("Accept-Encoding", "gzip, deflate, br, zstd")
	r.ServeHTTP(w, req)
	fmt.Println(w.Code, w.Header().Get("Content-Type"))
	fmt.Println(w.Header().Get("Cache-Control"))
	fmt.Println(w.Header().Get("Vary"))
	// Output:
	// true
	// 200 text/css; charset=utf-8
	// public, max-age=31536000, immutable
	// Accept-Encoding
}

// Handler.URL is the function templates use to link assets; an unknown
// name makes the template fail when it is first rendered, at start-up.
func ExampleHandler_URL() {
	assets, err := static.New(static.Options{})
	if err != nil {
		log.Fatal(err)
	}
	page := template.Must(template.New("head").Funcs(template.FuncMap{"asset": assets.URL}).Parse(
		`<link rel="stylesheet" href="{{asset "css/dashbox.css"}}">` + "\n"))
	var html strings.Builder
	if err := page.Execute(&html, nil); err != nil {
		log.Fatal(err)
	}
	fmt.Print(regexp.MustCompile(`[0-9a-f]{12}`).ReplaceAllString(html.String(), "<hash>"))

	err = template.Must(template.New("typo").Funcs(template.FuncMap{"asset": assets.URL}).Parse(
		`{{asset "css/dashbox.min.css"}}`)).Execute(os.Stdout, nil)
	fmt.Println(err != nil)
	// Output:
	// <link rel="stylesheet" href="/static/css/dashbox.<hash>.css">
	// true
}

func ExampleValidateDir() {
	fmt.Println(static.ValidateDir("/nonexistent/dashbox-assets"))
	// Output:
	// static dir /nonexistent/dashbox-assets does not exist: create it, or serve without a static dir
}
