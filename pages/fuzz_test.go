package pages

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/dashbox/dashbox/pages/internal/eventtest"
)

// jsonShape walks valid JSON s with encoding/json's tokenizer: its
// nesting depth, the most elements of one array or members of one object,
// and the length of its longest string (decoded).
func jsonShape(t *testing.T, s string) (depth, elements, longest int) {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var open []int // tokens in each open container, its closer included
	var isObject []bool
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("valid JSON %.100q: %v", s, err)
		}
		if len(open) > 0 {
			open[len(open)-1]++
		}
		switch tok := tok.(type) {
		case json.Delim:
			switch tok {
			case '[', '{':
				open, isObject = append(open, 0), append(isObject, tok == '{')
				depth = max(depth, len(open))
			default:
				n := open[len(open)-1] - 1 // the closing token was counted
				if isObject[len(isObject)-1] {
					n /= 2 // keys and values
				}
				elements = max(elements, n)
				open, isObject = open[:len(open)-1], isObject[:len(isObject)-1]
			}
		case string:
			longest = max(longest, len(tok))
		}
	}
}

// FuzzCallbackForm checks readCallbackForm against url.ParseQuery: what it
// reads is what ParseQuery reads of the same names, and it refuses no
// query ParseQuery takes within the limits.
func FuzzCallbackForm(f *testing.F) {
	f.Add("a=1&g.hover=%7B%7D", "m=x&m=y&zz=3")
	f.Add("a=1;b=2", "")
	f.Add("a=%zz", "m=1")
	f.Add("", "g%2Ehover="+eventtest.DeepJSON(50))
	f.Add(strings.Repeat("m=1&", MaxChoices+1), "a=+")
	limits := inputLimits([]string{"a", "g.hover", "m"}, func(n string) bool { return n == "m" })
	f.Fuzz(func(t *testing.T, body, query string) {
		req := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(body))
		req.URL.RawQuery = query
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		got, err := readCallbackForm(httptest.NewRecorder(), req, limits)
		want, werr := url.ParseQuery(body + "&" + query)
		if err == nil {
			for name := range limits {
				if !slices.Equal(got[name], want[name]) {
					t.Fatalf("%s: %q, ParseQuery %q", name, got[name], want[name])
				}
			}
			return
		}
		fields := 0
		for _, pair := range strings.Split(body+"&"+query, "&") {
			if pair != "" {
				fields++
			}
		}
		within := werr == nil && fields <= MaxFormFields && len(body) <= MaxCallbackBody && len(query) <= MaxCallbackBody
		for name, l := range limits {
			within = within && len(want[name]) <= l.values
			for _, v := range want[name] {
				within = within && (l.event || len(v) <= MaxControlValue)
			}
		}
		if within {
			t.Fatalf("refused (%v) what ParseQuery reads within the limits", err)
		}
	})
}

// FuzzEvent checks checkEventJSON against encoding/json's own view of
// valid JSON (depth, elements, strings). (The demo's FuzzEvent checks that
// an event it lets through decodes into the demo's event structs.)
func FuzzEvent(f *testing.F) {
	for _, s := range eventtest.FuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := checkEventJSON("e", s)
		if err != nil && ErrorCode(err) != EINVALID {
			t.Fatalf("code %s: %v", ErrorCode(err), err)
		}
		if json.Valid([]byte(s)) {
			depth, elements, longest := jsonShape(t, s)
			within := depth <= MaxEventDepth && elements <= MaxEventElements
			switch {
			case err == nil && (!within || longest > MaxEventString):
				t.Fatalf("accepted: depth %d, %d elements, a %d-byte string", depth, elements, longest)
			case err != nil && within && 6*longest+6 <= MaxEventString:
				t.Fatalf("refused (%v): depth %d, %d elements, a %d-byte string", err, depth, elements, longest)
			}
		}
	})
}
