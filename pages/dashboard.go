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

// Dashboard is one page of dashboards: what it shows (Layout) and how it
// responds (Callbacks). Each dashboard is one Go file with one function
// returning its Dashboard, listed in registry.go.
type Dashboard struct {
	// Path is the page's URL path, the demo's: "/apps/app0".
	Path string
	// Title is the page's heading and its link text on the home page.
	Title string
	// Description is the one line under the link on the home page and
	// under the page's heading.
	Description string
	// Layout is the page's content, top to bottom.
	Layout []Component
	// Callbacks make the page interactive; see Callback.
	Callbacks []Callback
}

// builtDashboard is a Dashboard ready to serve: rendered once, at start.
type builtDashboard struct {
	Dashboard
	once sync.Once // guards page and err: see Pages.ready
	page *renderedPage
	err  error
}

// CallbackURL is the URL of the dashboard's callback name.
func (d *Dashboard) CallbackURL(name string) string { return d.Path + "/callback/" + name }

// build checks the dashboard, runs its callbacks once with the layout's
// initial values (as Dash does when a page loads, but here once, at
// start), and renders the page.
func (p *Pages) build(d Dashboard) (*renderedPage, error) {
	fail := func(format string, args ...any) (*renderedPage, error) {
		return nil, fmt.Errorf("pages: dashboard %s: %s", d.Path, fmt.Sprintf(format, args...))
	}
	if !strings.HasPrefix(d.Path, "/apps/") || d.Title == "" || d.Description == "" {
		return fail("needs a Path under /apps/, a Title and a Description")
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
	if err := walk(d.Layout); err != nil {
		return fail("%v", err)
	}

	r := &renderer{t: componentTemplates, events: map[string][]string{}}
	names := map[string]bool{}
	specs := make([]callbackSpec, 0, len(d.Callbacks))
	for _, cb := range d.Callbacks {
		if cb.Name == "" || names[cb.Name] || strings.ContainsAny(cb.Name, "/?#") || cb.Func == nil || len(cb.Inputs) == 0 {
			return fail("callback %q needs a unique Name, Inputs and a Func", cb.Name)
		}
		names[cb.Name] = true
		for _, in := range append(append([]string(nil), cb.Inputs...), cb.State...) {
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
		for _, name := range append(append([]string(nil), cb.Inputs...), cb.State...) {
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
	}

	content, err := r.renderAll(d.Layout)
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
		Content:     joinHTML(content),
		Callbacks:   template.JS(safe.String()),
		Charts:      r.charts > 0,
		Script:      true,
	})
	if err != nil {
		return fail("%v", err)
	}
	return page, nil
}

func joinHTML(parts []template.HTML) template.HTML {
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(string(p))
		b.WriteByte('\n')
	}
	return template.HTML(b.String())
}
