package pages

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// testDashboards are small dashboards for the framework's own tests (the
// demo's, package pages/demo, import this package and so cannot be
// imported by its internal tests): a page with a callback, and one
// without.
func testDashboards() []Dashboard {
	return []Dashboard{
		{
			Path: "/apps/echo", Title: "Echo", Description: "A text input echoed.",
			Build: func() (Content, error) {
				return Content{
					Layout: []Component{&TextInput{ID: "in", Value: "initial"}, &TextOutput{ID: "out"}},
					Callbacks: []Callback{{Name: "echo", Inputs: []string{"in"}, Func: func(in Inputs) (Outputs, error) {
						return Outputs{"out": Text("Output: " + in.String("in"))}, nil
					}}},
				}, nil
			},
		},
		{
			Path: "/apps/chart", Title: "Chart", Description: "A bar chart.",
			Build: func() (Content, error) {
				bars := NewBar("bars")
				bars.SetXAxis([]string{"a", "b"}).AddSeries("s", BarData(1, 2))
				return Content{Layout: []Component{&Graph{ID: "bars", Label: "Bars", Figure: bars}}}, nil
			},
		},
	}
}

// mustPages builds the pages of testDashboards with the real templates,
// and asset URLs that need no static package.
func mustPages(tb testing.TB) (*Pages, http.Handler) {
	tb.Helper()
	p, err := New(Options{AssetURL: func(name string) (string, error) { return "/static/" + name, nil }, Dashboards: testDashboards()})
	if err != nil {
		tb.Fatal(err)
	}
	return p, newTestMux(p)
}

// newTestMux routes like server/routes.go does, with http.ServeMux instead
// of chi.
func newTestMux(p *Pages) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", p.Home())
	mux.Handle("/", p.NotFound())
	p.Dashboards(func(method, pattern string, h http.Handler) { mux.Handle(method+" "+pattern, h) })
	return mux
}

func post(tb testing.TB, h http.Handler, path string, form url.Values) *httptest.ResponseRecorder {
	tb.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func form(pairs ...string) url.Values { return NewInputs(pairs...).v }

// checkRefused checks an answer to an attack: the status, a small JSON
// {"error": ...} whose message contains want.
func checkRefused(t *testing.T, rec *httptest.ResponseRecorder, status int, want string) {
	t.Helper()
	var e struct{ Error string }
	if err := json.Unmarshal(rec.Body.Bytes(), &e); rec.Code != status || err != nil || !strings.Contains(e.Error, want) {
		t.Fatalf("%d %.300s\nwant %d with an error saying %q", rec.Code, rec.Body, status, want)
	}
	if n := rec.Body.Len(); n > 512 {
		t.Errorf("the refusal is %d bytes", n)
	}
	if rec.Header().Get("Content-Type") != "application/json" {
		t.Errorf("Content-Type %q", rec.Header().Get("Content-Type"))
	}
}
