package pages

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// A Callback is what Dash calls a callback: a Go function the browser calls
// when a control changes. dashbox.js watches the page's Inputs; when one
// changes it sends the current values of Inputs and State to the callback's
// URL (/apps/<dashboard>/callback/<Name>, a form POST), Func computes the
// new Outputs, and the page swaps them in without a reload. An output that
// sets a control's value counts as a change of that control, so callbacks
// chain as in Dash.
//
// When the dashboard is built (in New, or on its first request), every
// callback runs once with the layout's initial values, in the order
// listed, and the page is rendered with the results: a page arrives
// complete, with no round trip after load.
type Callback struct {
	// Name is the last element of the callback's URL.
	Name string
	// Inputs name what triggers the callback, each sent along with its
	// value: a control's ID for its value (several values for multi-selects
	// and checklists), or ID + "." + event for what else the browser
	// reports: "clicks" of a Button (the count), "hover", "click",
	// "select" (a brush selection) and "zoom" of a Chart (JSON, empty until
	// the first event), "page" of a PagedTable, "offset" of a VirtualTable.
	Inputs []string
	// State is sent like Inputs but changing it does not trigger the
	// callback (Dash's State).
	State []string
	// Func computes the outputs, keyed by the ID of the component each
	// updates. Bad input is an *Error with code EINVALID, whose message the
	// page shows.
	Func func(in Inputs) (Outputs, error)
}

// Inputs are the values a callback receives, by the names in its Inputs and
// State.
type Inputs struct{ v url.Values }

// NewInputs builds Inputs from name, value pairs; for tests and for the
// initial run.
func NewInputs(pairs ...string) Inputs {
	v := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		v.Add(pairs[i], pairs[i+1])
	}
	return Inputs{v}
}

// String returns the value of name, "" when absent.
func (in Inputs) String(name string) string { return in.v.Get(name) }

// Strings returns every value of name: the choices of a multi-select or a
// checklist.
func (in Inputs) Strings(name string) []string { return in.v[name] }

// Float parses name as a finite number.
func (in Inputs) Float(name, label string) (float64, error) {
	s := strings.TrimSpace(in.v.Get(name))
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, Errorf(EINVALID, "%s must be a number, not %q", label, Clip(s))
	}
	return f, nil
}

// Int parses name as an integer between lo and hi.
func (in Inputs) Int(name, label string, lo, hi int) (int, error) {
	s := strings.TrimSpace(in.v.Get(name))
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, Errorf(EINVALID, "%s must be a whole number, not %q", label, Clip(s))
	}
	if n < lo || n > hi {
		return 0, Errorf(EINVALID, "%s must be between %d and %d, not %d", label, lo, hi, n)
	}
	return n, nil
}

// OneOf returns name's value if it is one of the options' values.
func (in Inputs) OneOf(name, label string, options []Option) (string, error) {
	s := in.v.Get(name)
	for _, o := range options {
		if o.Value == s {
			return s, nil
		}
	}
	return "", Errorf(EINVALID, "unknown %s %q: choose one of %s", label, Clip(s), optionValues(options))
}

func optionValues(options []Option) string {
	q := make([]string, len(options))
	for i, o := range options {
		q[i] = strconv.Quote(o.Value)
	}
	return strings.Join(q, ", ")
}

// Outputs are a callback's results, keyed by the ID of the component each
// one updates.
type Outputs map[string]Output

// Output is one update of one component. Exactly one of its forms is set;
// build it with Text, Textf, HTML, ChartOf, Choices, Value or the tables'
// own constructors.
type Output struct {
	// Text replaces an Output's or Pre's text.
	Text *string `json:"text,omitempty"`
	// HTML replaces the component's content (tables). It is always
	// rendered by dashbox's own templates, never taken from input.
	HTML template.HTML `json:"html,omitempty"`
	// Chart is the new ECharts option, merged into the chart's current
	// one so that ECharts animates the change.
	Chart *chartOption `json:"chart,omitempty"`
	// Options replaces a Dropdown's or Radio's choices; Value then selects
	// one of them.
	Options []Option `json:"options,omitempty"`
	// Value sets a control's value, which triggers the callbacks that
	// take it as input.
	Value *string `json:"value,omitempty"`
	// Rows is a window of a VirtualTable's rows.
	Rows *rowWindow `json:"rows,omitempty"`
}

// Text is an Output that sets a component's text.
func Text(s string) Output { return Output{Text: &s} }

// Textf is Text with formatting.
func Textf(format string, args ...any) Output { return Text(fmt.Sprintf(format, args...)) }

// Choices is an Output that replaces a control's options and selects value.
func Choices(options []Option, value string) Output {
	return Output{Options: options, Value: &value}
}

// Value is an Output that sets a control's value.
func Value(v string) Output { return Output{Value: &v} }

// callbackSpec is what dashbox.js needs to know of a callback.
type callbackSpec struct {
	URL    string   `json:"url"`
	Inputs []string `json:"inputs"`
	State  []string `json:"state,omitempty"`
	// Outputs are the IDs the callback updated in its initial run:
	// dashbox.js holds back a callback whose inputs another callback
	// triggered by the same change is about to set (Dash's chaining).
	Outputs []string `json:"outputs"`
}

// callbackHandler serves one callback: the request's Inputs and State to
// Func, Outputs as JSON. limits bounds what the request may send for each
// of them (see inputLimits); nil means one value each.
func (p *Pages) callbackHandler(cb Callback, limits map[string]inputLimit) http.Handler {
	if limits == nil {
		limits = inputLimits(append(slices.Clone(cb.Inputs), cb.State...), nil)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, err := readCallbackForm(w, r, limits)
		if err != nil {
			writeError(w, r, p.logger, err)
			return
		}
		// Events are bounded here, before any callback decodes them, and
		// not only in Inputs.Event: a callback may read one as a string.
		for name, l := range limits {
			if v := in.Get(name); l.event && v != "" {
				if err := checkEventJSON(name, v); err != nil {
					writeError(w, r, p.logger, err)
					return
				}
			}
		}
		out, err := runCallback(cb, Inputs{in})
		if err != nil {
			writeError(w, r, p.logger, err)
			return
		}
		buf := bufPool.Get().(*bytes.Buffer)
		defer func() {
			// A buffer grown by an answer refused as too large (its last
			// output is encoded before it is measured) is not kept.
			if buf.Cap() <= MaxCallbackOutput {
				bufPool.Put(buf)
			}
		}()
		buf.Reset()
		if err := encodeOutputs(buf, out, MaxCallbackOutput); err != nil {
			writeError(w, r, p.logger, err)
			return
		}
		writeJSON(w, r, http.StatusOK, buf.Bytes())
	})
}

// encodeOutputs writes the JSON of {"outputs": out} to buf, as json.Marshal
// writes it (IDs sorted), or returns an ETOOLARGE error once it would pass
// limit bytes. Each output is encoded on its own, and one whose text alone
// passes what is left of limit is refused before it is encoded, so the
// work is bounded by limit, not by what a callback made of its input.
func encodeOutputs(buf *bytes.Buffer, out Outputs, limit int) error {
	tooLarge := func(id string) error {
		return Errorf(ETOOLARGE, "the answer would be more than the %s of JSON a callback may send (the output %q passes it): ask for less", sizeName(limit), id)
	}
	ids := make([]string, 0, len(out))
	for id := range out {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	// An Encoder reuses encoding/json's buffers; json.Marshal would copy
	// each output once more.
	enc := json.NewEncoder(buf)
	encode := func(v any) error {
		if err := enc.Encode(v); err != nil {
			return err
		}
		buf.Truncate(buf.Len() - 1) // Encode's newline
		return nil
	}
	buf.WriteString(`{"outputs":{`)
	for i, id := range ids {
		o := out[id]
		if buf.Len()+len(id)+o.minSize() > limit {
			return tooLarge(id)
		}
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := encode(id); err != nil {
			return fmt.Errorf("encoding the output ID %q: %w", id, err)
		}
		buf.WriteByte(':')
		if err := encode(o); err != nil {
			return fmt.Errorf("encoding the output %s: %w", id, err)
		}
		if buf.Len()+2 > limit {
			return tooLarge(id)
		}
	}
	buf.WriteString("}}")
	return nil
}

// minSize is a lower bound of the length of o's JSON, known without
// encoding it: the length of its text.
func (o Output) minSize() int {
	n := len(o.HTML)
	if o.Text != nil {
		n += len(*o.Text)
	}
	if o.Value != nil {
		n += len(*o.Value)
	}
	for _, c := range o.Options {
		n += len(c.Label) + len(c.Value)
	}
	if o.Rows != nil {
		for _, row := range o.Rows.Rows {
			for _, cell := range row {
				n += len(cell)
			}
		}
	}
	return n
}

// runCallback calls cb.Func, turning a panic into an internal error: one
// dashboard's bug must not take the request down with a half-written
// response.
func runCallback(cb Callback, in Inputs) (out Outputs, err error) {
	defer func() {
		if v := recover(); v != nil {
			out, err = nil, fmt.Errorf("callback %s panicked: %v", cb.Name, v)
		}
	}()
	return cb.Func(in)
}
