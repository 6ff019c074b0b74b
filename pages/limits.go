package pages

import (
	"bytes"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// The bounds on what one callback request may make the server do. Every
// input is checked against them before it is decoded, and every answer
// before it is sent: a request over a bound gets a 400 or a 413 and a
// message naming the bound, never a 200 with a huge body. docs/dashboards.md
// ("How it works: dashbox callbacks") documents them for users.
const (
	// MaxCallbackBody bounds a callback's form body, and separately its
	// query. The biggest legitimate input is app15's three selections:
	// dashbox.js sends each selected point (about 140 bytes form-encoded,
	// 30 per chart) and the lasso's outline, which ECharts records at every
	// mouse move (about 44 bytes a vertex: a 3-second lasso at 120 Hz is
	// 360 vertices, 16 KiB). Every row lassoed in all three charts with
	// 500-vertex outlines is 76 KB (TestLargeSelectionWorks); 128 KiB
	// leaves room for longer lassos, and 16 KiB would refuse one.
	MaxCallbackBody = 128 << 10
	// MaxFormFields bounds the fields of a request, known or not (unknown
	// ones are skipped, but still counted): a callback takes a few inputs,
	// a multi-select at most MaxChoices values.
	MaxFormFields = 512
	// MaxChoices bounds the values of one multi-valued control (a
	// multi-select Dropdown or a Checklist); every other input takes one.
	MaxChoices = 256
	// MaxControlValue bounds the value of a control (a text box, a
	// dropdown, a slider, a button's clicks, a table's page or offset):
	// more text than anyone types into a box.
	MaxControlValue = 4 << 10
	// MaxEventDepth bounds the nesting of a chart event's JSON: dashbox.js
	// sends four levels at most (a selection's points' values).
	MaxEventDepth = 32
	// MaxEventElements bounds the elements of one array (or members of
	// one object) of a chart event: more than any chart here has points,
	// or a lasso has vertices.
	MaxEventElements = 4096
	// MaxEventString bounds one string of a chart event (a series' or a
	// point's name).
	MaxEventString = 1 << 10
	// MaxCallbackOutput bounds the JSON a callback answers; the biggest
	// legitimate one, a chart of 142 countries, is about 20 KB.
	MaxCallbackOutput = 1 << 20
)

// eventProps are the inputs that carry a chart event's JSON.
var eventProps = map[string]bool{"hover": true, "click": true, "select": true, "zoom": true}

// isEventInput reports whether the input name (ID + "." + prop) carries a
// chart event's JSON.
func isEventInput(name string) bool {
	_, prop, _ := strings.Cut(name, ".")
	return eventProps[prop]
}

// inputLimit is what a callback request may send for one input name.
type inputLimit struct {
	// values is the most values the name may carry.
	values int
	// event: the value is a chart event's JSON, bounded by the body's size
	// and checkEventJSON, not by MaxControlValue.
	event bool
}

// inputLimits returns the limits of a callback's inputs and state. multi
// reports whether an input takes several values (a multi-select or a
// checklist); nil means none does.
func inputLimits(names []string, multi func(name string) bool) map[string]inputLimit {
	limits := make(map[string]inputLimit, len(names))
	for _, n := range names {
		l := inputLimit{values: 1, event: isEventInput(n)}
		if multi != nil && multi(n) {
			l.values = MaxChoices
		}
		limits[n] = l
	}
	return limits
}

// takesSeveral reports whether prop of component c takes several values:
// a multi-select's or a checklist's choices.
func takesSeveral(c Component, prop string) bool {
	switch c := c.(type) {
	case *Checklist:
		return prop == ""
	case *Dropdown:
		return c.Multi && prop == ""
	}
	return false
}

// readCallbackForm reads a callback request's inputs: the fields of its
// query and, for a form POST, of its body (body first, as in
// http.Request.Form), keeping only the names in limits. Sizes are checked
// before anything is decoded: the query and the body against
// MaxCallbackBody (the body is never read past it), the number of fields
// against MaxFormFields, each name's values against its limit and each
// control's value against MaxControlValue.
func readCallbackForm(w http.ResponseWriter, r *http.Request, limits map[string]inputLimit) (url.Values, error) {
	if n := len(r.URL.RawQuery); n > MaxCallbackBody {
		return nil, Errorf(ETOOLARGE, "the callback's query (%d bytes) is more than the %s a callback takes", n, sizeName(MaxCallbackBody))
	}
	var body string
	if r.Method == http.MethodPost {
		var err error
		if body, err = readFormBody(w, r); err != nil {
			return nil, err
		}
	}
	in := url.Values{}
	fields := 0
	for _, raw := range []string{body, r.URL.RawQuery} {
		for raw != "" {
			var pair string
			pair, raw, _ = strings.Cut(raw, "&")
			if pair == "" {
				continue
			}
			if fields++; fields > MaxFormFields {
				return nil, Errorf(EINVALID, "the callback request has more than %d form fields", MaxFormFields)
			}
			if strings.Contains(pair, ";") {
				return nil, Errorf(EINVALID, "unreadable callback request: a semicolon separates its fields; use &")
			}
			k, v, _ := strings.Cut(pair, "=")
			name, err := url.QueryUnescape(k)
			if err != nil {
				return nil, Errorf(EINVALID, "unreadable callback request: %v", err)
			}
			l, ok := limits[name]
			if !ok {
				continue // not an input of this callback
			}
			if len(in[name]) >= l.values {
				if l.values == 1 {
					return nil, Errorf(EINVALID, "%s takes one value, not several", name)
				}
				return nil, Errorf(EINVALID, "%s has more than %d values", name, l.values)
			}
			// Each byte of a value takes at most three escaped: one three
			// times the bound is refused before it is unescaped.
			tooLong := func() error {
				return Errorf(ETOOLARGE, "the value of %s is more than %s, the most a control's value may be", name, sizeName(MaxControlValue))
			}
			if !l.event && len(v) > 3*MaxControlValue {
				return nil, tooLong()
			}
			value, err := url.QueryUnescape(v)
			if err != nil {
				return nil, Errorf(EINVALID, "unreadable callback request: the value of %s: %v", name, err)
			}
			if !l.event && len(value) > MaxControlValue {
				return nil, tooLong()
			}
			in[name] = append(in[name], value)
		}
	}
	return in, nil
}

// readFormBody reads a POST's form body, at most MaxCallbackBody bytes. A
// body of another type is refused rather than skipped: the inputs the
// client meant would be silently lost.
func readFormBody(w http.ResponseWriter, r *http.Request) (string, error) {
	ct := r.Header.Get("Content-Type")
	if ct == "" && r.ContentLength == 0 {
		return "", nil
	}
	if mt, _, _ := mime.ParseMediaType(ct); mt != "application/x-www-form-urlencoded" {
		return "", Errorf(EINVALID, "a callback takes its inputs as a form (application/x-www-form-urlencoded) or in the query, not as %q", Clip(ct))
	}
	tooLarge := func() error {
		return Errorf(ETOOLARGE, "the callback's request body is more than the %s a callback takes", sizeName(MaxCallbackBody))
	}
	if r.ContentLength > MaxCallbackBody {
		return "", tooLarge()
	}
	// A body of announced length is read into a buffer of that size
	// (plus the byte that finds its end), not one grown and copied.
	var b bytes.Buffer
	b.Grow(int(max(r.ContentLength, 0)) + bytes.MinRead)
	if _, err := b.ReadFrom(http.MaxBytesReader(w, r.Body, MaxCallbackBody)); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return "", tooLarge()
		}
		return "", Errorf(EINVALID, "unreadable callback request: %v", err)
	}
	return b.String(), nil
}

// Clip shortens a client's value to quote in an error message (at most 64
// bytes, cut at a rune boundary, then "…"): a message says what was
// wrong, it need not repeat kilobytes of it.
func Clip(s string) string {
	const n = 64
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

// sizeName writes a size in bytes the way the limits are documented.
func sizeName(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return itoa(n>>20) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return itoa(n>>10) + " KiB"
	}
	return itoa(n) + " bytes"
}
