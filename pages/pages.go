// Package pages is dashbox's dashboard framework: a Dashboard declares a
// page (its layout of components and charts) and its callbacks, and Pages
// renders the layout every page shares, the home page that lists the
// dashboards it is given, the dashboards themselves with their callbacks,
// and the 404 page. It has no dashboards of its own: dashbox's demo (the 18
// pages of the Dash multi-page demo) is package pages/demo.
//
// Everything that can be done once is done once: a dashboard's data sets
// are parsed or generated, its callbacks run with their initial values and
// its page is rendered and compressed when it is built, in New or on its
// first request (Options.RenderOnFirstRequest). Serving a page is writing
// bytes; serving a callback is one Go function call and a JSON encoding.
package pages

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dashbox/dashbox/internal/byteranges"
	"github.com/dashbox/dashbox/internal/contentcoding"
)

//go:embed templates/*.html
var templateFS embed.FS

// componentTemplates returns the components' templates; they need no asset
// URLs, so callbacks (tables' pages) can render them too. They are parsed
// when the first dashboard is built, not when dashbox starts: a server
// nobody visits does not hold them.
var componentTemplates = sync.OnceValues(func() (*template.Template, error) {
	t, err := template.ParseFS(templateFS, "templates/components.html")
	if err != nil {
		return nil, fmt.Errorf("pages: parsing components.html: %w", err)
	}
	return t, nil
})

// Options configures New.
type Options struct {
	// AssetURL maps an asset name such as "css/dashbox.css" to the URL it is
	// served at, normally the static package's fingerprinted URL. Required.
	AssetURL func(name string) (string, error)
	// Logger receives rendering and callback errors. Nil discards them.
	Logger *slog.Logger
	// RenderOnFirstRequest builds each dashboard (its data sets, initial
	// callback run and page rendering) when it is first asked for, instead
	// of in New. Start-up then takes milliseconds instead of about 45 ms of
	// one core, and a server keeps in memory only the dashboards, and the
	// data sets, people open. The default, building every dashboard in
	// New, makes a broken dashboard stop New: the tests run that way, so no
	// broken dashboard ships.
	RenderOnFirstRequest bool
	// Dashboards are the dashboards to serve, in the home page's order.
	// Required: the framework has none of its own (dashbox's command
	// serves the demo's, package pages/demo), and a server with none
	// would be a mistake in wiring it, so New refuses an empty list.
	Dashboards []Dashboard
	// OnCallback, when not nil, is told of each callback a browser calls,
	// as its Func returns: the dashboard's Path, the callback's Name, how
	// long Func took, and its error (for metrics). Both names are
	// declared, never a client's.
	OnCallback func(dashboard, callback string, took time.Duration, err error)
}

// Pages holds the rendered pages and the dashboards' callbacks.
type Pages struct {
	logger     *slog.Logger
	homeTmpl   *template.Template
	links      []dashboardLink
	homesMu    sync.Mutex
	homes      map[string]*renderedPage // HomeFor's, by the dashboards listed
	dashboard  *template.Template
	notFound   *template.Template
	home       *renderedPage
	dashboards []*builtDashboard
	onCallback func(dashboard, callback string, took time.Duration, err error)
}

// New parses the templates, renders the home and 404 pages and, unless
// opts.RenderOnFirstRequest, builds every dashboard with its data sets.
// It fails when a template, a dashboard's Path, Title, Description or
// callback names are broken, or a page names an asset AssetURL does not
// know (such as ECharts in a build made without make); and, when it builds
// the dashboards, when one of them or a data set is broken. So such
// mistakes stop start-up (and tests) rather than a visitor's page.
func New(opts Options) (*Pages, error) {
	if opts.AssetURL == nil {
		return nil, fmt.Errorf("pages: Options.AssetURL is required")
	}
	if len(opts.Dashboards) == 0 {
		return nil, fmt.Errorf("pages: Options.Dashboards is empty: there is nothing to serve")
	}
	p := &Pages{logger: opts.Logger, onCallback: opts.OnCallback}
	if p.logger == nil {
		p.logger = slog.New(slog.DiscardHandler)
	}
	assetURL := func(name string) (string, error) {
		u, err := opts.AssetURL(name)
		if err != nil && strings.HasPrefix(name, "vendor/") {
			return "", fmt.Errorf("%w; the browser assets come from npm: run `make generate` in the dashbox checkout the binary is built from", err)
		}
		return u, err
	}
	funcs := template.FuncMap{"asset": assetURL}
	parse := func(page string) (*template.Template, error) {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+page)
		if err != nil {
			return nil, fmt.Errorf("pages: parsing %s: %w", page, err)
		}
		return t, nil
	}
	var err error
	if p.notFound, err = parse("notfound.html"); err != nil {
		return nil, err
	}
	if p.dashboard, err = parse("dashboard.html"); err != nil {
		return nil, err
	}
	// Render the 404 page once with empty data so a missing asset fails now.
	if _, err := p.render(p.notFound, http.StatusNotFound, pageData{}); err != nil {
		return nil, err
	}

	var links []dashboardLink
	paths := map[string]bool{}
	for _, d := range opts.Dashboards {
		if err := d.check(); err != nil {
			return nil, err
		}
		if paths[d.Path] {
			return nil, fmt.Errorf("pages: two dashboards at %s", d.Path)
		}
		paths[d.Path] = true
		p.dashboards = append(p.dashboards, &builtDashboard{Dashboard: d})
		links = append(links, dashboardLink{Path: d.Path, Title: d.Title, Description: d.Description})
	}
	if !opts.RenderOnFirstRequest {
		if err := p.buildAll(); err != nil {
			return nil, err
		}
	}

	home, err := parse("home.html")
	if err != nil {
		return nil, err
	}
	p.homeTmpl, p.links, p.homes = home, links, map[string]*renderedPage{}
	if p.home, err = p.render(home, http.StatusOK, pageData{Title: "Dashboards", Dashboards: links}); err != nil {
		return nil, err
	}
	return p, nil
}

// buildAll builds the dashboards, several at a time: rendering
// their charts through go-echarts' templates is most of dashbox's start-up
// time. The first error in Options.Dashboards' order wins, so failures are stable.
func (p *Pages) buildAll() error {
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for _, b := range p.dashboards {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			p.ready(b)
		}()
	}
	wg.Wait()
	for _, b := range p.dashboards {
		if b.err != nil {
			return b.err
		}
	}
	return nil
}

// ready builds b once: its initial callback run sets the layout's state,
// which its callbacks may read, so both its page and its callbacks wait for
// it.
func (p *Pages) ready(b *builtDashboard) error {
	b.once.Do(func() { b.page, b.callbacks, b.err = p.build(b.Dashboard) })
	return b.err
}

// whenReady serves the request with what h picks for it once b is built,
// and a 500 when building failed.
func (p *Pages) whenReady(b *builtDashboard, h func(r *http.Request) http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := p.ready(b); err != nil {
			p.logger.Error("building dashboard", "path", b.Path, "err", err)
			http.Error(w, "500 Internal Server Error", http.StatusInternalServerError)
			return
		}
		h(r).ServeHTTP(w, r)
	})
}

// pageData is what every template sees.
type pageData struct {
	Title       string
	Description string
	// Path is the request's path, on the 404 page.
	Path string
	// Content is a dashboard's rendered layout.
	Content template.HTML
	// Callbacks is the JSON of the dashboard's callbacks for dashbox.js.
	Callbacks template.JS
	// Charts loads ECharts; Script loads dashbox.js.
	Charts, Script bool
	// Dashboards are the home page's links.
	Dashboards []dashboardLink
}

type dashboardLink struct{ Path, Title, Description string }

// Home serves the home page.
func (p *Pages) Home() http.Handler { return p.home }

// maxHomes bounds the home pages HomeFor keeps rendered: one per set of
// dashboards some user may open, which groups make few.
const maxHomes = 64

// HomeFor serves the home page listing only the dashboards whose path
// visible accepts (the filter hook of single sign-on's groups). Each list
// is rendered once and kept, up to maxHomes of them.
func (p *Pages) HomeFor(visible func(path string) bool) http.Handler {
	key := make([]byte, len(p.links))
	var links []dashboardLink
	for i, l := range p.links {
		key[i] = '0'
		if visible(l.Path) {
			key[i] = '1'
			links = append(links, l)
		}
	}
	if len(links) == len(p.links) {
		return p.home
	}
	p.homesMu.Lock()
	defer p.homesMu.Unlock()
	if page, ok := p.homes[string(key)]; ok {
		return page
	}
	page, err := p.render(p.homeTmpl, http.StatusOK, pageData{Title: "Dashboards", Dashboards: links})
	if err != nil {
		p.logger.Error("rendering the home page", "err", err)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "500 Internal Server Error", http.StatusInternalServerError)
		})
	}
	if len(p.homes) < maxHomes {
		p.homes[string(key)] = page
	}
	return page
}

// Dashboards registers every dashboard's page and callbacks through add,
// which has the signature of chi's Router.Method and must set the
// request's path values (r.PathValue), as chi and http.ServeMux do: the
// page for GET, and one route for all its callbacks,
// CallbackURL("{name}"), whose name is looked up once the dashboard is
// built (so the routes need no list of names before it is). A callback
// answers GET (inputs in the query) and POST (inputs in a form body). A
// name the dashboard has no callback of gets the 404 page, as a path no
// route matches, whatever the method; another method on a callback, the
// 405 a router answers.
func (p *Pages) Dashboards(add func(method, pattern string, h http.Handler)) {
	for _, d := range p.dashboards {
		add(http.MethodGet, d.Path, p.whenReady(d, func(*http.Request) http.Handler { return d.page }))
		callback := p.whenReady(d, func(r *http.Request) http.Handler {
			h, ok := d.callbacks[r.PathValue("name")]
			switch {
			case !ok:
				return p.NotFound()
			case r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodPost:
				return methodNotAllowed
			}
			return h
		})
		for _, method := range callbackMethods {
			add(method, d.CallbackURL("{name}"), callback)
		}
	}
}

// callbackMethods are the methods a callback's route is registered for:
// GET and POST, which it answers, and every other a router knows but HEAD
// (which a router sends to GET's handler), so that an unknown name is a
// 404 for them too, not a 405.
var callbackMethods = []string{
	http.MethodGet, http.MethodPost,
	http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace,
}

// methodNotAllowed is a router's answer to a method a route does not take
// (server's handleMethodNotAllowed).
var methodNotAllowed = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "405 Method Not Allowed", http.StatusMethodNotAllowed)
})

// NotFound serves the 404 page, with a link home, for every path no route
// matches. (A page that silently showed the index instead would hide broken
// links.)
func (p *Pages) NotFound() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		page, err := p.render(p.notFound, http.StatusNotFound, pageData{Title: "Page not found", Path: r.URL.Path})
		if err != nil {
			p.logger.Error("rendering page", "path", r.URL.Path, "err", err)
			http.Error(w, "500 Internal Server Error", http.StatusInternalServerError)
			return
		}
		page.ServeHTTP(w, r)
	})
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// render executes t into a renderedPage. Pages rendered once (home,
// dashboards) are also compressed; the 404 page, rendered per request, is
// sent as it is.
func (p *Pages) render(t *template.Template, status int, data pageData) (*renderedPage, error) {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := t.Execute(buf, data); err != nil {
		return nil, fmt.Errorf("pages: rendering %q: %w", data.Title, err)
	}
	page := &renderedPage{status: status, body: bytes.Clone(buf.Bytes())}
	page.length = []string{strconv.Itoa(len(page.body))}
	if status == http.StatusOK {
		sum := sha256.Sum256(page.body)
		tag := hex.EncodeToString(sum[:8])
		page.etag = []string{`"` + tag + `"`}
		page.gzipETag = []string{`"` + tag + `-gz"`}
		var z bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&z, gzip.DefaultCompression)
		zw.Write(page.body)
		zw.Close()
		if z.Len() < len(page.body) {
			page.gzip = z.Bytes()
			page.gzipLength = []string{strconv.Itoa(z.Len())}
		}
	}
	return page, nil
}

// renderedPage is a page rendered once: its bytes, their gzip encoding and
// ETags (strong, one per encoding), so revalidation (pages are sent with
// no-cache) costs a 304.
type renderedPage struct {
	status         int
	body, gzip     []byte
	length         []string
	gzipLength     []string
	etag, gzipETag []string
}

// Header values shared by all page responses (see static's cacheControl
// for why slices are shared).
var (
	htmlType     = []string{"text/html; charset=utf-8"}
	noCache      = []string{"no-cache"}
	varyEncoding = []string{"Accept-Encoding"}
	gzipEncoding = []string{"gzip"}
)

// gzipOnly is what a compressed page has to offer contentcoding.Choose.
var gzipOnly = [contentcoding.Count]bool{contentcoding.Gzip: true}

// ServeHTTP sends the page as static sends an asset: http.ServeContent
// answers If-None-Match (lists, "*", weak comparison), If-Match, If-Range,
// Range and HEAD from the ETag of the representation chosen here, and
// contentcoding reads Accept-Encoding. The 404 page, rendered for each
// request and without an ETag, is written as it is, with its status.
func (pg *renderedPage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h["Content-Type"] = htmlType
	h["Cache-Control"] = noCache
	if pg.etag == nil {
		h["Content-Length"] = pg.length
		w.WriteHeader(pg.status)
		if r.Method != http.MethodHead {
			w.Write(pg.body)
		}
		return
	}
	body, etag := pg.body, pg.etag
	_, isRange := r.Header["Range"]
	if isRange {
		r = byteranges.Fix(r)
		_, isRange = r.Header["Range"]
	}
	if pg.gzip != nil {
		h["Vary"] = varyEncoding
		// Ranges are served from the identity bytes, as static's assets
		// are: a range of the gzip stream is no use to a client that
		// cannot decode a partial stream, and browsers never ask for a
		// range of a page.
		if !isRange && contentcoding.Parse(r.Header["Accept-Encoding"]).Choose(&gzipOnly) == contentcoding.Gzip {
			body, etag = pg.gzip, pg.gzipETag
			h["Content-Encoding"] = gzipEncoding
			// ServeContent leaves Content-Length unset when
			// Content-Encoding is, so set it here.
			h["Content-Length"] = pg.gzipLength
		}
	}
	// ServeContent compares the conditional headers with this ETag, so it
	// must be set first.
	h["Etag"] = etag
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}
