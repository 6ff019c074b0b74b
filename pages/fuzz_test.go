package pages

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// Fuzz targets for what pages parses of a client's request: the whole
// callback request, its form, and the chart events in it. Their seeds are
// in code and in testdata/fuzz/<target>.

// FuzzCallbackRequest sends arbitrary requests to the real callbacks of
// the real dashboards: route picks one of them (in registry order, modulo
// their number), get sends query only, otherwise a POST of body with
// contentType. Whatever comes, the answer is a 200 with JSON outputs or a
// 4xx with a JSON error, and no bigger than maxCallbackOutput.
func FuzzCallbackRequest(f *testing.F) {
	p, h := mustPages(f)
	callbacks := registeredCallbacks(f, p)
	route := func(url string) uint8 {
		i := slices.IndexFunc(callbacks, func(c registeredCallback) bool { return c.url == url })
		if i < 0 {
			f.Fatalf("no callback %s", url)
		}
		return uint8(i)
	}
	const formType = "application/x-www-form-urlencoded"
	hover := url.Values{"basic-interactions.hover": {`{"points":[{"series":"Trace 1","seriesIndex":0,"dataIndex":2,"name":"c","value":[3,3]}]}`}}.Encode()
	f.Add(route("/apps/app9/callback/powers"), false, formType, "", []byte("x=3"))
	f.Add(route("/apps/app9/callback/powers"), true, "", "x=1e6", []byte(nil))
	f.Add(route("/apps/app7/callback/year"), false, formType, "year-slider=1977", []byte("year-slider=2007"))
	f.Add(route("/apps/app13/callback/hover-data"), false, formType+"; charset=UTF-8", "", []byte(hover))
	f.Add(route("/apps/app13/callback/selected-data"), false, formType, "", []byte(url.Values{"basic-interactions.select": {lassoSelection(40)}}.Encode()))
	f.Add(route("/apps/app13/callback/relayout-data"), true, "", url.Values{"basic-interactions.zoom": {`{"xaxis.range":[1,2],"yaxis.range":[null,4]}`}}.Encode(), []byte(nil))
	f.Add(route("/apps/app14/callback/x-time-series"), false, formType, "", []byte(url.Values{"crossfilter-indicator-scatter.hover": {`{"points":[{"name":"Japan"}]}`},
		"crossfilter-xaxis-column": {Indicators[0].Name}, "crossfilter-xaxis-type": {"log"}}.Encode()))
	f.Add(route("/apps/app15/callback/select"), false, formType, "", []byte(url.Values{"g1.select": {`{"points":[{"seriesIndex":0,"dataIndex":3}]}`}}.Encode()))
	f.Add(route("/apps/app17/callback/page"), true, "", "paged.page=89", []byte(nil))
	f.Add(route("/apps/app17/callback/window"), false, formType, "", []byte("virtual.offset=99999"))
	f.Add(route("/apps/app12/callback/submit"), false, "text/plain", "", []byte("submit.clicks=1"))
	f.Add(route("/apps/app13/callback/click-data"), false, formType, "", []byte("basic-interactions.click="+deepJSON(100)))
	f.Add(route("/apps/app15/callback/select"), true, "", "g2.select="+wideJSON(5000), []byte(nil))

	f.Fuzz(func(t *testing.T, route uint8, get bool, contentType, query string, body []byte) {
		cb := callbacks[int(route)%len(callbacks)]
		method := http.MethodPost
		if get {
			method, body = http.MethodGet, nil
		}
		req := httptest.NewRequest(method, cb.url, bytes.NewReader(body))
		req.URL.RawQuery = query
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 && (rec.Code < 400 || rec.Code > 499) {
			t.Fatalf("%s %s: status %d: %.300s", method, cb.url, rec.Code, rec.Body)
		}
		if n := rec.Body.Len(); n > maxCallbackOutput {
			t.Fatalf("%s %s: a %d-byte answer", method, cb.url, n)
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Fatalf("Content-Type %q", ct)
		}
		var answer struct {
			Outputs map[string]json.RawMessage
			Error   string
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil {
			t.Fatalf("the answer is not JSON: %v: %.300s", err, rec.Body)
		}
		if rec.Code == 200 && answer.Outputs == nil || rec.Code != 200 && answer.Error == "" {
			t.Fatalf("%d %.300s", rec.Code, rec.Body)
		}
		if n := rec.Body.Len(); rec.Code != 200 && n > 1024 {
			t.Fatalf("a %d-byte refusal: %.300s", n, rec.Body)
		}
	})
}

// FuzzEvent checks checkEventJSON against encoding/json's own view of
// valid JSON (depth, elements, strings), and that an event it lets
// through decodes into the dashboards' event structs without panicking,
// with app13's re-encoding at most a few times the event's size.
func FuzzEvent(f *testing.F) {
	for _, s := range []string{
		`{"points":[{"series":"Trace 1","seriesIndex":0,"dataIndex":2,"name":"c","value":[3,3]}]}`,
		`{"points":[],"range":{"x":[1,2],"y":[3,4]}}`,
		`{"xaxis.range":[1.5,null],"yaxis.range":[0,10]}`,
		lassoSelection(20),
		deepJSON(33),
		wideJSON(4097),
		`{"points":[{"name":"[[[\"","value":[1e20,1e-7]}]}`,
		`null`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := checkEventJSON("e", s)
		if err != nil && ErrorCode(err) != EINVALID {
			t.Fatalf("code %s: %v", ErrorCode(err), err)
		}
		if json.Valid([]byte(s)) {
			depth, elements, longest := jsonShape(t, s)
			within := depth <= maxEventDepth && elements <= maxEventElements
			switch {
			case err == nil && (!within || longest > maxEventString):
				t.Fatalf("accepted: depth %d, %d elements, a %d-byte string", depth, elements, longest)
			case err != nil && within && 6*longest+6 <= maxEventString:
				t.Fatalf("refused (%v): depth %d, %d elements, a %d-byte string", err, depth, elements, longest)
			}
		}
		if err != nil {
			return
		}
		in := NewInputs("e", s)
		in.Event("e", new(chartEvent))
		in.Event("e", new(selection))
		var event interaction
		if ok, err := in.Event("e", &event); ok && err == nil {
			out, err := json.MarshalIndent(event, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			if len(out) > 8*len(s)+64 {
				t.Fatalf("%d bytes of event became %d", len(s), len(out))
			}
		}
	})
}

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
	f.Add("", "g%2Ehover="+deepJSON(50))
	f.Add(strings.Repeat("m=1&", maxChoices+1), "a=+")
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
		within := werr == nil && fields <= maxFormFields && len(body) <= maxCallbackBody && len(query) <= maxCallbackBody
		for name, l := range limits {
			within = within && len(want[name]) <= l.values
			for _, v := range want[name] {
				within = within && (l.event || len(v) <= maxControlValue)
			}
		}
		if within {
			t.Fatalf("refused (%v) what ParseQuery reads within the limits", err)
		}
	})
}
