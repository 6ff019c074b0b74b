package pages

import (
	"bytes"
	"fmt"
	"html/template"
	"slices"
	"strconv"
	"strings"
)

// The building blocks of a dashboard's layout, like Dash's html and dcc
// components: a dashboard lists them in Layout, and each renders through
// its template in templates/components.html. Components with an ID can be
// callback inputs (controls), outputs, or both.

// Component is one piece of a dashboard's layout.
type Component interface {
	render(r *renderer) (template.HTML, error)
}

// inputSource is a component whose state a callback can take as input:
// prop "" is its value, other props are events (see Callback.Inputs).
type inputSource interface {
	inputValues(prop string) (values []string, ok bool)
}

// outputTarget is a component a callback can update.
type outputTarget interface {
	apply(o Output) error
}

// identified is a component with an ID, which callbacks can address.
type identified interface {
	componentID() string
}

// container is a component with children.
type container interface {
	children() []Component
}

// Option is one choice of a Dropdown, Radio or Checklist.
type Option struct {
	// Label is what the user sees.
	Label string `json:"label"`
	// Value is what callbacks receive.
	Value string `json:"value"`
}

// OptionsOf makes options whose labels are their values.
func OptionsOf(values ...string) []Option {
	o := make([]Option, len(values))
	for i, v := range values {
		o[i] = Option{Label: v, Value: v}
	}
	return o
}

// Columns lays its children out side by side on wide screens and one below
// the other on phones.
func Columns(children ...Component) Component { return &columns{children} }

type columns struct{ kids []Component }

func (c *columns) children() []Component { return c.kids }
func (c *columns) render(r *renderer) (template.HTML, error) {
	kids, err := r.renderAll(c.kids)
	if err != nil {
		return "", err
	}
	return r.exec("columns", kids)
}

// Panel is a boxed section with an optional heading.
type Panel struct {
	// Title is the panel's heading; "" for none.
	Title string
	// Class adds a CSS class, such as "panel-dark".
	Class string
	// Children are the panel's content.
	Children []Component
}

func (p *Panel) children() []Component { return p.Children }
func (p *Panel) render(r *renderer) (template.HTML, error) {
	kids, err := r.renderAll(p.Children)
	if err != nil {
		return "", err
	}
	return r.exec("panel", struct {
		*Panel
		Kids []template.HTML
	}{p, kids})
}

// Section is a Panel with a title and children.
func Section(title string, children ...Component) *Panel {
	return &Panel{Title: title, Children: children}
}

// Heading is a second-level heading.
func Heading(text string) Component { return textBlock{"heading", text} }

// Para is a paragraph of text.
func Para(text string) Component { return textBlock{"para", text} }

// Note is a small print paragraph: where the data comes from, and whether
// it is mock data.
func Note(text string) Component { return textBlock{"note", text} }

type textBlock struct{ tmpl, text string }

func (t textBlock) render(r *renderer) (template.HTML, error) { return r.exec(t.tmpl, t.text) }

// Markdown is HTML rendered from Markdown by dashbox itself (never from
// input).
type Markdown struct {
	// HTML is the rendered Markdown.
	HTML template.HTML
}

func (m *Markdown) render(r *renderer) (template.HTML, error) { return r.exec("markdown", m.HTML) }

// Dropdown is a select box; with Multi, a multi-select whose value is the
// list Values.
type Dropdown struct {
	// ID names the control in callbacks' Inputs and in the page.
	ID string
	// Label is shown above the control.
	Label string
	// Options are the choices.
	Options []Option
	// Value is the selected option of a single select.
	Value string
	// Multi allows several choices, held in Values.
	Multi bool
	// Values are the selected options of a multi-select.
	Values []string
}

// Selected reports whether the option with value v is selected.
func (d *Dropdown) Selected(v string) bool {
	if d.Multi {
		return slices.Contains(d.Values, v)
	}
	return d.Value == v
}

func (d *Dropdown) componentID() string                       { return d.ID }
func (d *Dropdown) render(r *renderer) (template.HTML, error) { return r.exec("dropdown", d) }
func (d *Dropdown) inputValues(prop string) ([]string, bool) {
	if prop != "" {
		return nil, false
	}
	if d.Multi {
		return d.Values, true
	}
	return []string{d.Value}, true
}
func (d *Dropdown) apply(o Output) error {
	if o.Options != nil {
		d.Options = o.Options
	}
	if o.Value == nil {
		return checkOnly(o, "options or value", o.Options != nil)
	}
	d.Value = *o.Value
	return nil
}

// Radio is a group of radio buttons.
type Radio struct {
	// ID names the control in callbacks' Inputs and in the page.
	ID string
	// Label is shown above the choices.
	Label string
	// Options are the choices; a callback can replace them (Choices).
	Options []Option
	// Value is the checked option.
	Value string
	// Inline puts the choices on one line.
	Inline bool
}

func (c *Radio) componentID() string                       { return c.ID }
func (c *Radio) render(r *renderer) (template.HTML, error) { return r.exec("radio", c) }
func (c *Radio) inputValues(prop string) ([]string, bool) {
	return []string{c.Value}, prop == ""
}
func (c *Radio) apply(o Output) error {
	if o.Options != nil {
		c.Options = o.Options
	}
	if o.Value == nil {
		return checkOnly(o, "options or value", o.Options != nil)
	}
	c.Value = *o.Value
	return nil
}

// Checklist is a group of checkboxes; its value is the list of checked
// options.
type Checklist struct {
	// ID names the control in callbacks' Inputs and in the page.
	ID string
	// Label is shown above the choices.
	Label string
	// Options are the choices.
	Options []Option
	// Values are the checked options.
	Values []string
	// Inline puts the choices on one line.
	Inline bool
}

// Checked reports whether the option with value v is checked.
func (c *Checklist) Checked(v string) bool { return slices.Contains(c.Values, v) }

func (c *Checklist) componentID() string                       { return c.ID }
func (c *Checklist) render(r *renderer) (template.HTML, error) { return r.exec("checklist", c) }
func (c *Checklist) inputValues(prop string) ([]string, bool) {
	return c.Values, prop == ""
}

// TextInput is a one-line text box. With Type "number" it is a number box.
type TextInput struct {
	// ID names the control in callbacks' Inputs and in the page.
	ID string
	// Label is shown above the box.
	Label string
	// Value is the initial text.
	Value string
	// Type is the input's type: "text" (the default) or "number".
	Type string
	// Step is a number input's step ("any" allows decimals).
	Step string
}

// NumberInput is a TextInput of type number.
func NumberInput(id, label, value string) *TextInput {
	return &TextInput{ID: id, Label: label, Value: value, Type: "number", Step: "any"}
}

func (t *TextInput) componentID() string { return t.ID }
func (t *TextInput) render(r *renderer) (template.HTML, error) {
	if t.Type == "" {
		t.Type = "text"
	}
	return r.exec("text-input", t)
}
func (t *TextInput) inputValues(prop string) ([]string, bool) {
	return []string{t.Value}, prop == ""
}
func (t *TextInput) apply(o Output) error {
	if o.Value == nil {
		return checkOnly(o, "value", false)
	}
	t.Value = *o.Value
	return nil
}

// Slider is a range input with labelled marks under it.
type Slider struct {
	// ID names the control in callbacks' Inputs and in the page.
	ID string
	// Label is shown above the track, with the current value.
	Label string
	// Min, Max and Step bound the values; Value is the initial one.
	Min, Max, Step, Value int
	// Marks label values under the track. They must be evenly spaced from
	// Min to Max: the stylesheet spreads them evenly, as inline styles
	// that would place them are forbidden by the Content-Security-Policy.
	Marks []Mark
}

// Mark is a labelled value under a Slider.
type Mark struct {
	// Value is where the mark is.
	Value int
	// Label is what it says.
	Label string
}

// EveryMark labels every step from min to max.
func EveryMark(min, max, step int) []Mark {
	var m []Mark
	for v := min; v <= max; v += step {
		m = append(m, Mark{v, strconv.Itoa(v)})
	}
	return m
}

func (s *Slider) componentID() string { return s.ID }
func (s *Slider) render(r *renderer) (template.HTML, error) {
	if n := len(s.Marks); n > 0 {
		ok := n >= 2 && s.Marks[0].Value == s.Min && s.Marks[n-1].Value == s.Max
		for i := 1; ok && i < n; i++ {
			ok = (s.Marks[i].Value-s.Marks[i-1].Value)*(n-1) == s.Max-s.Min
		}
		if !ok {
			return "", fmt.Errorf("slider %s: marks must be evenly spaced from Min to Max", s.ID)
		}
	}
	return r.exec("slider", s)
}
func (s *Slider) inputValues(prop string) ([]string, bool) {
	return []string{strconv.Itoa(s.Value)}, prop == ""
}
func (s *Slider) apply(o Output) error {
	if o.Value == nil {
		return checkOnly(o, "value", false)
	}
	v, err := strconv.Atoi(*o.Value)
	if err != nil {
		return fmt.Errorf("slider %s: value %q is not a whole number", s.ID, *o.Value)
	}
	s.Value = v
	return nil
}

// Button is a push button; callbacks take ID+".clicks", the number of
// presses so far, as Dash's n_clicks.
type Button struct {
	// ID names the button in callbacks' Inputs (ID+".clicks").
	ID string
	// Label is the button's text.
	Label string
}

func (b *Button) componentID() string                       { return b.ID }
func (b *Button) render(r *renderer) (template.HTML, error) { return r.exec("button", b) }
func (b *Button) inputValues(prop string) ([]string, bool) {
	return []string{"0"}, prop == "clicks"
}

// TextOutput is a block of text a callback updates.
type TextOutput struct {
	// ID names the output in callbacks' Outputs.
	ID string
	// Label, if set, is shown before the text, as for a named result.
	Label string
	// Text is the initial text (callbacks usually set it in their initial
	// run).
	Text string
}

func (t *TextOutput) componentID() string                       { return t.ID }
func (t *TextOutput) render(r *renderer) (template.HTML, error) { return r.exec("output", t) }
func (t *TextOutput) apply(o Output) error {
	if o.Text == nil {
		return checkOnly(o, "text", false)
	}
	t.Text = *o.Text
	return nil
}

// Pre is preformatted text under a heading, such as JSON.
type Pre struct {
	// ID names the output in callbacks' Outputs.
	ID string
	// Title is the heading above the text.
	Title string
	// Text is the initial text.
	Text string
}

func (p *Pre) componentID() string                       { return p.ID }
func (p *Pre) render(r *renderer) (template.HTML, error) { return r.exec("pre", p) }
func (p *Pre) apply(o Output) error {
	if o.Text == nil {
		return checkOnly(o, "text", false)
	}
	p.Text = *o.Text
	return nil
}

// Graph is an ECharts chart (Dash's dcc.Graph). Callbacks may take its
// events as inputs: ID+".hover", ".click", ".select" (a brush selection)
// and ".zoom"; dashbox.js reports only the events some callback takes.
type Graph struct {
	// ID is the chart's ID: the element's, go-echarts' ChartID, and the
	// name in callbacks' Inputs (events) and Outputs (new options).
	ID string
	// Label describes the chart for screen readers.
	Label string
	// Figure is the chart, built with NewBar, NewScatter or NewLine.
	Figure EChart
	// Size is "" for the default height, "tall" or "short".
	Size string
	// FixedTheme keeps the chart's own colours instead of following the
	// visitor's light or dark setting.
	FixedTheme bool
}

func (g *Graph) componentID() string { return g.ID }
func (g *Graph) render(r *renderer) (template.HTML, error) {
	if g.Figure == nil {
		return "", fmt.Errorf("graph %s has no Figure", g.ID)
	}
	js, err := (&chartOption{g.Figure}).snippetJSON(g.ID)
	if err != nil {
		return "", err
	}
	r.charts++
	return r.exec("graph", struct {
		*Graph
		JSON   template.JS
		Events string
	}{g, js, strings.Join(r.events[g.ID], " ")})
}
func (g *Graph) inputValues(prop string) ([]string, bool) {
	switch prop {
	case "hover", "click", "select", "zoom":
		return []string{""}, true
	}
	return nil, false
}
func (g *Graph) apply(o Output) error {
	if o.Chart == nil {
		return checkOnly(o, "chart", false)
	}
	g.Figure = o.Chart.c
	return nil
}

// checkOnly reports an output a component cannot show.
func checkOnly(o Output, want string, ok bool) error {
	if ok {
		return nil
	}
	return fmt.Errorf("this component takes only %s outputs", want)
}

// renderer renders one dashboard's components.
type renderer struct {
	t *template.Template
	// events lists, by chart ID, the chart events some callback takes.
	events map[string][]string
	// charts counts the charts rendered, so the page loads ECharts only
	// when it has one.
	charts int
}

func (r *renderer) exec(name string, data any) (template.HTML, error) {
	var buf bytes.Buffer
	if err := r.t.ExecuteTemplate(&buf, name, data); err != nil {
		return "", err
	}
	return template.HTML(buf.String()), nil
}

func (r *renderer) renderAll(cs []Component) ([]template.HTML, error) {
	out := make([]template.HTML, 0, len(cs))
	for _, c := range cs {
		h, err := c.render(r)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}
