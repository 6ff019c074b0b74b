// Package pages renders dashbox's HTML: the layout every page shares, the home
// page that lists the dashboards, and the 404 page. Templates are parsed once,
// at start, and every page is rendered into a buffer before anything is
// written, so a template error becomes a clean 500, never half a page.
package pages

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"sync"
)

//go:embed templates/*.html
var templateFS embed.FS

// Options configures New.
type Options struct {
	// AssetURL maps an asset name such as "css/dashbox.css" to the URL it is
	// served at, normally the static package's fingerprinted URL. Required.
	AssetURL func(name string) (string, error)
	// Logger receives rendering errors. Nil discards them.
	Logger *slog.Logger
}

// Pages holds the parsed templates.
type Pages struct {
	logger *slog.Logger
	home   *template.Template
	notFnd *template.Template
}

// New parses the templates. It fails when a template is broken or names an
// asset AssetURL does not know, so such mistakes stop start-up (and tests)
// rather than a visitor's page.
func New(opts Options) (*Pages, error) {
	if opts.AssetURL == nil {
		return nil, fmt.Errorf("pages: Options.AssetURL is required")
	}
	p := &Pages{logger: opts.Logger}
	if p.logger == nil {
		p.logger = slog.New(slog.DiscardHandler)
	}
	funcs := template.FuncMap{"asset": opts.AssetURL}
	parse := func(page string) (*template.Template, error) {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+page)
		if err != nil {
			return nil, fmt.Errorf("pages: parsing %s: %w", page, err)
		}
		// Render once with empty data so a missing asset fails now.
		if err := t.Execute(&bytes.Buffer{}, pageData{}); err != nil {
			return nil, fmt.Errorf("pages: rendering %s: %w", page, err)
		}
		return t, nil
	}
	var err error
	if p.home, err = parse("home.html"); err != nil {
		return nil, err
	}
	if p.notFnd, err = parse("notfound.html"); err != nil {
		return nil, err
	}
	return p, nil
}

// pageData is what every template sees.
type pageData struct {
	Title string
	Path  string
}

// Home serves the home page.
func (p *Pages) Home() http.Handler {
	return p.handler(p.home, http.StatusOK, func(r *http.Request) pageData {
		return pageData{Title: "Dashboards"}
	})
}

// NotFound serves the 404 page, with a link home, for every path no route
// matches. (A page that silently showed the index instead would hide broken
// links.)
func (p *Pages) NotFound() http.Handler {
	return p.handler(p.notFnd, http.StatusNotFound, func(r *http.Request) pageData {
		return pageData{Title: "Page not found", Path: r.URL.Path}
	})
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// handler renders t with the data from data(r) under the given status.
func (p *Pages) handler(t *template.Template, status int, data func(*http.Request) pageData) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := bufPool.Get().(*bytes.Buffer)
		buf.Reset()
		defer bufPool.Put(buf)
		if err := t.Execute(buf, data(r)); err != nil {
			p.logger.Error("rendering page", "path", r.URL.Path, "err", err)
			http.Error(w, "500 Internal Server Error", http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Cache-Control", "no-cache")
		h.Set("Content-Length", fmt.Sprint(buf.Len()))
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			w.Write(buf.Bytes())
		}
	})
}
