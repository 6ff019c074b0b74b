package demo

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"

	"github.com/dashbox/dashbox/pages"
	"github.com/dashbox/dashbox/pages/internal/eventtest"
)

// Fuzz targets for what pages parses of a client's request: the whole
// callback request, its form, and the chart events in it. Their seeds are
// in code and in testdata/fuzz/<target>.

// FuzzCallbackRequest sends arbitrary requests to the real callbacks of
// the real dashboards: route picks one of them (in registry order, modulo
// their number), get sends query only, otherwise a POST of body with
// contentType. Whatever comes, the answer is a 200 with JSON outputs or a
// 4xx with a JSON error, and no bigger than MaxCallbackOutput.
func FuzzCallbackRequest(f *testing.F) {
	_, h := mustPages(f)
	callbacks := registeredCallbacks(f)
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
	f.Add(route("/apps/app13/callback/selected-data"), false, formType, "", []byte(url.Values{"basic-interactions.select": {eventtest.LassoSelection(40)}}.Encode()))
	f.Add(route("/apps/app13/callback/relayout-data"), true, "", url.Values{"basic-interactions.zoom": {`{"xaxis.range":[1,2],"yaxis.range":[null,4]}`}}.Encode(), []byte(nil))
	f.Add(route("/apps/app14/callback/x-time-series"), false, formType, "", []byte(url.Values{"crossfilter-indicator-scatter.hover": {`{"points":[{"name":"Japan"}]}`},
		"crossfilter-xaxis-column": {Indicators[0].Name}, "crossfilter-xaxis-type": {"log"}}.Encode()))
	f.Add(route("/apps/app15/callback/select"), false, formType, "", []byte(url.Values{"g1.select": {`{"points":[{"seriesIndex":0,"dataIndex":3}]}`}}.Encode()))
	f.Add(route("/apps/app17/callback/page"), true, "", "paged.page=89", []byte(nil))
	f.Add(route("/apps/app17/callback/window"), false, formType, "", []byte("virtual.offset=99999"))
	f.Add(route("/apps/app12/callback/submit"), false, "text/plain", "", []byte("submit.clicks=1"))
	f.Add(route("/apps/app13/callback/click-data"), false, formType, "", []byte("basic-interactions.click="+eventtest.DeepJSON(100)))
	f.Add(route("/apps/app15/callback/select"), true, "", "g2.select="+eventtest.WideJSON(5000), []byte(nil))

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
		if n := rec.Body.Len(); n > pages.MaxCallbackOutput {
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

// FuzzEvent checks that an event pages lets through (Inputs.Event bounds
// its shape: the framework's FuzzEvent checks how) decodes into the
// dashboards' event structs without panicking, with app13's re-encoding at
// most a few times the event's size.
func FuzzEvent(f *testing.F) {
	for _, s := range eventtest.FuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		in := pages.NewInputs("e", s)
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
