package pages

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"sync"
)

// A Dashboard is one page of dashboards, declared in one Go file and passed
// to New in Options.Dashboards. What the home page and the router need (Path, Title,
// Description) is plain data, known when dashbox starts; what the page
// shows and how it responds is made by Build when the
// page or one of its callbacks is first asked for (or in New: see
// Options.RenderOnFirstRequest). So a server holds in memory only the
// dashboards, and the data sets, that people open.
//
// A dashboard's callbacks are declared once, in what Build returns: one
// route, Path + "/callback/{name}", stands for all of them, and the name
// is looked up once the dashboard is built.
type Dashboard struct {
	// Path is the page's URL path, the demo's: "/apps/app0".
	Path string
	// Title is the page's heading and its link text on the home page.
	Title string
	// Description is the one line under the link on the home page and
	// under the page's heading.
	Description string
	// Build makes the page's content. It runs once, when the page or one
	// of its callbacks is first needed (or in New), so data sets it reads
	// are best made there too, or on first use, not when the program
	// starts.
	Build func() (Content, error)
	// Groups, when not empty, are the groups whose members may open the
	// dashboard, when dashbox signs users in with single sign-on (an
	// operator's setting replaces them); nil is everyone signed in.
	Groups []string
}

// Content is what a dashboard shows (Layout) and how it responds
// (Callbacks).
type Content struct {
	// Layout is the page's content, top to bottom.
	Layout []Component
	// Callbacks make the page interactive; see Callback.
	Callbacks []Callback
}

// builtDashboard is a Dashboard and, once built, its rendered page and
// callbacks' handlers (by Callback.Name).
type builtDashboard struct {
	Dashboard
	once      sync.Once // guards page, callbacks and err: see Pages.ready
	page      *renderedPage
	callbacks map[string]http.Handler
	err       error
}

// CallbackURL is the URL of the dashboard's callback name.
func (d *Dashboard) CallbackURL(name string) string { return d.Path + "/callback/" + name }

// check checks what New routes and lists: a dashboard must have a path
// under /apps/, a title, a description and a Build. (Its callbacks' names
// are checked when it is built: see Pages.build.)
func (d *Dashboard) check() error {
	if !strings.HasPrefix(d.Path, "/apps/") || d.Title == "" || d.Description == "" || d.Build == nil {
		return fmt.Errorf("pages: dashboard %s: needs a Path under /apps/, a Title, a Description and a Build", d.Path)
	}
	return nil
}

// makeContent runs d.Build, turning a panic into an error: building runs
// once (a page and its callbacks wait for it), so it must end with a page
// or an error for them to serve.
func makeContent(d Dashboard) (c Content, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("Build panicked: %v", v)
		}
	}()
	return d.Build()
}

// build makes the dashboard's content, checks it, runs
// its callbacks once with the layout's initial values (as Dash does when a
// page loads, but here once, when the dashboard is built) and renders the
// page. It returns the page and the callbacks' handlers, by name.
func (p *Pages) build(d Dashboard) (*renderedPage, map[string]http.Handler, error) {
	fail := func(format string, args ...any) (*renderedPage, map[string]http.Handler, error) {
		return nil, nil, fmt.Errorf("pages: dashboard %s: %s", d.Path, fmt.Sprintf(format, args...))
	}
	content, err := makeContent(d)
	if err != nil {
		return fail("%v", err)
	}
	// A name is the last element of the callback's URL, which the route
	// Path + "/callback/{name}" matches.
	handlers := make(map[string]http.Handler, len(content.Callbacks))
	for _, cb := range content.Callbacks {
		if _, dup := handlers[cb.Name]; dup || cb.Name == "" || strings.ContainsAny(cb.Name, "/?#") {
			return fail("callback name %q must be unique, not empty and without / ? #", cb.Name)
		}
		handlers[cb.Name] = nil
	}
	byID := map[string]Component{}
	var walk func([]Component) error
	walk = func(cs []Component) error {
		for _, c := range cs {
			if c == nil {
				return fmt.Errorf("nil component")
			}
			if idc, ok := c.(identified); ok && idc.componentID() != "" {
				id := idc.componentID()
				if _, dup := byID[id]; dup {
					return fmt.Errorf("two components have the ID %q", id)
				}
				byID[id] = c
			}
			if k, ok := c.(container); ok {
				if err := walk(k.children()); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(content.Layout); err != nil {
		return fail("%v", err)
	}

	components, err := componentTemplates()
	if err != nil {
		return fail("%v", err)
	}
	r := &renderer{t: components, events: map[string][]string{}}
	specs := make([]callbackSpec, 0, len(content.Callbacks))
	for _, cb := range content.Callbacks {
		if cb.Func == nil || len(cb.Inputs) == 0 {
			return fail("callback %q needs Inputs and a Func", cb.Name)
		}
		inputs := append(slices.Clone(cb.Inputs), cb.State...)
		for _, in := range inputs {
			id, prop, _ := strings.Cut(in, ".")
			src, ok := byID[id].(inputSource)
			if !ok {
				return fail("callback %s: input %q names no control", cb.Name, in)
			}
			if _, ok := src.inputValues(prop); !ok {
				return fail("callback %s: %s has no input %q", cb.Name, id, in)
			}
			if _, isGraph := byID[id].(*Graph); isGraph && !slices.Contains(r.events[id], prop) {
				r.events[id] = append(r.events[id], prop)
			}
		}
		// The initial run, with the values the layout holds now (earlier
		// callbacks' outputs included, so chains settle as in Dash).
		in := Inputs{map[string][]string{}}
		for _, name := range inputs {
			id, prop, _ := strings.Cut(name, ".")
			in.v[name], _ = byID[id].(inputSource).inputValues(prop)
		}
		out, err := runCallback(cb, in)
		if err != nil {
			return fail("callback %s fails with the initial values: %v", cb.Name, err)
		}
		spec := callbackSpec{URL: d.CallbackURL(cb.Name), Inputs: cb.Inputs, State: cb.State}
		for id, o := range out {
			spec.Outputs = append(spec.Outputs, id)
			t, ok := byID[id].(outputTarget)
			if !ok {
				return fail("callback %s: output %q names no component that takes outputs", cb.Name, id)
			}
			if err := t.apply(o); err != nil {
				return fail("callback %s: output %s: %v", cb.Name, id, err)
			}
		}
		slices.Sort(spec.Outputs)
		specs = append(specs, spec)
		handlers[cb.Name] = p.callbackHandler(p.observed(d.Path, cb), inputLimits(inputs, func(n string) bool {
			id, prop, _ := strings.Cut(n, ".")
			return takesSeveral(byID[id], prop)
		}))
	}

	rendered, err := r.renderAll(content.Layout)
	if err != nil {
		return fail("%v", err)
	}
	specJSON, err := json.Marshal(specs)
	if err != nil {
		return fail("%v", err)
	}
	var safe bytes.Buffer
	json.HTMLEscape(&safe, specJSON)
	page, err := p.render(p.dashboard, http.StatusOK, pageData{
		Title:       d.Title,
		Description: d.Description,
		Content:     joinHTML(rendered),
		Callbacks:   template.JS(safe.String()),
		Charts:      r.charts > 0,
		Script:      true,
	})
	if err != nil {
		return fail("%v", err)
	}
	return page, handlers, nil
}

func joinHTML(parts []template.HTML) template.HTML {
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(string(p))
		b.WriteByte('\n')
	}
	return template.HTML(b.String())
}
