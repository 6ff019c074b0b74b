package demo

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/dashbox/dashbox/pages"
	"github.com/dashbox/dashbox/pages/internal/eventtest"
)

// registeredCallback is one callback of a registered dashboard: its URL
// and the names of its Inputs and State.
type registeredCallback struct {
	url   string
	names []string
}

// registeredCallbacks lists every callback of every registered dashboard,
// so the limits tests cover a new dashboard without being told of it.
func registeredCallbacks(tb testing.TB) []registeredCallback {
	tb.Helper()
	var out []registeredCallback
	for _, d := range Dashboards() {
		content, err := d.Build()
		if err != nil {
			tb.Fatal(err)
		}
		for _, cb := range content.Callbacks {
			out = append(out, registeredCallback{d.CallbackURL(cb.Name), append(slices.Clone(cb.Inputs), cb.State...)})
		}
	}
	if len(out) < 10 {
		tb.Fatalf("only %d callbacks registered", len(out))
	}
	return out
}

// countingReader counts what the handler reads of a body.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

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

// TestEveryCallbackRefusesOversizedInput sends deep and wide JSON, long
// values, huge bodies and queries, too many fields and repeated values to
// every input of every callback of every dashboard, by POST and GET: each
// gets a 400 or 413 with a small body saying what was too big, before any
// callback runs.
func TestEveryCallbackRefusesOversizedInput(t *testing.T) {
	_, h := mustPages(t)
	tooLongValue := "is more than 4 KiB, the most a control's value may be"
	// A wide array that fits the body: "0," is 4 bytes form-encoded.
	wideInLimit := eventtest.WideJSON((pages.MaxCallbackBody - 256) / 4)
	for _, cb := range registeredCallbacks(t) {
		for _, name := range cb.names {
			event := isEventInput(name)
			cases := []struct {
				attack string
				value  string
				status int
				want   string
			}{
				{"deep (10,000 levels)", eventtest.DeepJSON(10_000), 413, tooLongValue},
				{"wide within the byte limit", wideInLimit, 413, tooLongValue},
				{"wide (100,000 elements)", eventtest.WideJSON(100_000), 413, "is more than the 128 KiB a callback takes"},
			}
			if event {
				cases[0].status, cases[0].want = 400, "nested deeper than 32 levels"
				cases[1].status, cases[1].want = 400, "array or object of more than 4096 elements"
			}
			for _, c := range cases {
				t.Run(cb.url+" "+name+" "+c.attack, func(t *testing.T) {
					f := url.Values{name: {c.value}}
					if len(f.Encode()) <= pages.MaxCallbackBody == (c.attack == "wide (100,000 elements)") {
						t.Fatalf("the attack is %d bytes", len(f.Encode()))
					}
					checkRefused(t, post(t, h, cb.url, f), c.status, c.want)
					checkRefused(t, get(t, h, cb.url+"?"+f.Encode()), c.status, c.want)
				})
			}
			t.Run(cb.url+" "+name+" repeated", func(t *testing.T) {
				checkRefused(t, post(t, h, cb.url, url.Values{name: {"1", "1"}}), 400, name+" takes one value, not several")
			})
		}
		t.Run(cb.url+" huge body", func(t *testing.T) {
			// 10 MiB of a form, of unknown length: the handler stops reading
			// at the limit.
			body := &countingReader{r: io.LimitReader(neverEnding('x'), 10<<20)}
			req := httptest.NewRequest(http.MethodPost, cb.url, io.MultiReader(strings.NewReader(cb.names[0]+"="), body))
			req.ContentLength = -1
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			checkRefused(t, rec, 413, "request body is more than the 128 KiB a callback takes")
			if body.n > 2*pages.MaxCallbackBody {
				t.Errorf("read %d bytes of the body", body.n)
			}
			// Announced: refused without reading.
			body = &countingReader{r: io.LimitReader(neverEnding('x'), 10<<20)}
			req = httptest.NewRequest(http.MethodPost, cb.url, body)
			req.ContentLength = 10 << 20
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			rec = httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			checkRefused(t, rec, 413, "request body is more than the 128 KiB")
			if body.n != 0 {
				t.Errorf("read %d bytes of an announced 10 MiB body", body.n)
			}
		})
		t.Run(cb.url+" too many fields", func(t *testing.T) {
			checkRefused(t, get(t, h, cb.url+"?"+strings.Repeat("zz=1&", pages.MaxFormFields+1)), 400, "more than 512 form fields")
		})
	}
}

type neverEnding byte

func (b neverEnding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

// TestChartEventLimits sends app13's four event callbacks the attack of
// issue 12 (a 60 KB form of 9,999 nested arrays) and other shapes no
// chart sends; each is refused with a 400 saying what was too big, and the
// events dashbox.js sends still work.
func TestChartEventLimits(t *testing.T) {
	_, h := mustPages(t)
	cases := []struct {
		name, json string
		status     int
		want       string
	}{
		{"issue 12's attack", eventtest.DeepJSON(9_999), 400, "nested deeper than 32 levels"},
		{"33 levels", eventtest.DeepJSON(33), 400, "nested deeper than 32 levels"},
		{"deep in a string's company", `{"points":[{"name":"[[[[","value":` + eventtest.DeepJSON(40) + `}]}`, 400, "nested deeper than 32 levels"},
		{"4097 points", `{"points":[` + strings.Repeat(`{},`, 4096) + `{}]}`, 400, "more than 4096 elements"},
		{"wide object", `{` + strings.Repeat(`"a":0,`, 4096) + `"a":0}`, 400, "more than 4096 elements"},
		{"long name", `{"points":[{"name":"` + strings.Repeat("é", 600) + `"}]}`, 400, "a string longer than 1024 bytes"},
		{"not JSON", `{"points":`, 400, "must be the JSON of a chart event"},
		{"a value that is not a number", `{"points":[{"value":["x"]}]}`, 400, "must be the JSON of a chart event"},
		{"32 levels, not an event", eventtest.DeepJSON(32), 400, "must be the JSON of a chart event"},
		{"4096 points", `{"points":[` + strings.Repeat(`{},`, 4095) + `{}]}`, 200, `\"points\": [`},
		{"hover", `{"points":[{"series":"Trace 1","seriesIndex":0,"dataIndex":2,"name":"c","value":[3,3]}]}`, 200,
			`{\n  \"points\": [\n    {\n      \"dataIndex\": 2,\n      \"name\": \"c\",\n      \"series\": \"Trace 1\",\n      \"seriesIndex\": 0,\n      \"value\": [\n        3,\n        3\n      ]\n    }\n  ]\n}`},
		{"unknown fields are dropped", `{"points":[{"name":"c","extra":` + eventtest.DeepJSON(20) + `}],"more":"x"}`, 200, `{\n  \"points\": [\n    {\n      \"name\": \"c\"\n    }\n  ]\n}"`},
		{"lasso", `{"points":[],"lassoPoints":{"x":[1,2,3],"y":[4,5,6]}}`, 200, `\"lassoPoints\": {\n    \"x\": [`},
		{"zoom", `{"xaxis.range":[1.5,null],"yaxis.range":[0,10]}`, 200, `\"xaxis.range\": [\n    1.5,\n    null\n  ]`},
	}
	for _, input := range []string{"hover", "click", "select", "zoom"} {
		path := map[string]string{"hover": "hover-data", "click": "click-data", "select": "selected-data", "zoom": "relayout-data"}[input]
		for _, c := range cases {
			t.Run(input+" "+c.name, func(t *testing.T) {
				rec := post(t, h, "/apps/app13/callback/"+path, form("basic-interactions."+input, c.json))
				if c.status != 200 {
					checkRefused(t, rec, c.status, c.want)
					return
				}
				if rec.Code != 200 || !strings.Contains(rec.Body.String(), c.want) {
					t.Fatalf("%d %.500s\nwant %s", rec.Code, rec.Body, c.want)
				}
			})
		}
	}
}

// TestLargeSelectionWorks: the biggest legitimate input, app15 with every
// row lassoed in all three charts with long outlines (500 vertices each,
// four seconds of mouse moves at 120 Hz), fits the limits and is
// answered; app13 shows such a lasso.
func TestLargeSelectionWorks(t *testing.T) {
	_, h := mustPages(t)
	sel := eventtest.LassoSelection(500)
	f := form("g1.select", sel, "g2.select", sel, "g3.select", sel)
	t.Logf("three 500-vertex lassos over every row: %d bytes form-encoded, of %d", len(f.Encode()), pages.MaxCallbackBody)
	rec := post(t, h, "/apps/app15/callback/select", f)
	if rec.Code != 200 || strings.Contains(rec.Body.String(), `"opacity":0.2`) {
		t.Fatalf("%d %.300s", rec.Code, rec.Body)
	}
	rec = post(t, h, "/apps/app13/callback/selected-data", form("basic-interactions.select", sel))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `\"lassoPoints\": {`) {
		t.Fatalf("%d %.300s", rec.Code, rec.Body)
	}
}

// isEventInput reports whether the input name (ID + "." + prop) carries a
// chart event's JSON: the props dashbox.js sends events as.
func isEventInput(name string) bool {
	_, prop, _ := strings.Cut(name, ".")
	return prop == "hover" || prop == "click" || prop == "select" || prop == "zoom"
}
