package demo

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/dashbox/dashbox/pages"
)

// mustPages builds the demo's pages with the real templates and data, and
// asset URLs that need no static package.
func mustPages(tb testing.TB) (*pages.Pages, http.Handler) {
	tb.Helper()
	p, err := pages.New(pages.Options{AssetURL: func(name string) (string, error) { return "/static/" + name, nil }, Dashboards: Dashboards()})
	if err != nil {
		tb.Fatal(err)
	}
	return p, newTestMux(p)
}

// newTestMux routes like server/routes.go does, with http.ServeMux instead
// of chi.
func newTestMux(p *pages.Pages) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", p.Home())
	mux.Handle("/", p.NotFound())
	p.Dashboards(func(method, pattern string, h http.Handler) { mux.Handle(method+" "+pattern, h) })
	return mux
}

func get(tb testing.TB, h http.Handler, path string, header ...string) *httptest.ResponseRecorder {
	tb.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func post(tb testing.TB, h http.Handler, path string, form url.Values) *httptest.ResponseRecorder {
	tb.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

var chartBlock = regexp.MustCompile(`<script type="application/json" id="([^"]+)-option">([^<]*)</script>`)

// chartOptions returns the option JSON of every chart of a page, by ID.
func chartOptions(tb testing.TB, body string) map[string]map[string]any {
	tb.Helper()
	out := map[string]map[string]any{}
	for _, m := range chartBlock.FindAllStringSubmatch(body, -1) {
		var o map[string]any
		if err := json.Unmarshal([]byte(m[2]), &o); err != nil {
			tb.Fatalf("chart %s: option is not JSON: %v", m[1], err)
		}
		if !strings.Contains(body, `id="`+m[1]+`" data-chart`) {
			tb.Errorf("chart %s: no chart element with that ID", m[1])
		}
		out[m[1]] = o
	}
	return out
}

// seriesData returns the values of series i of an option.
func seriesData(tb testing.TB, o map[string]any, i int) []any {
	tb.Helper()
	series := o["series"].([]any)
	var values []any
	for _, d := range series[i].(map[string]any)["data"].([]any) {
		values = append(values, d.(map[string]any)["value"])
	}
	return values
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestHome(t *testing.T) {
	_, h := mustPages(t)
	rec := get(t, h, "/")
	body := rec.Body.String()
	if rec.Code != 200 || !strings.Contains(body, "<title>Dashboards · dashbox</title>") {
		t.Fatalf("home: %d\n%s", rec.Code, body)
	}
	links := regexp.MustCompile(`<li><a href="([^"]+)">[^<]+</a><span class="description">[^<]+</span>`).FindAllStringSubmatch(body, -1)
	if len(links) != 18 || len(Dashboards()) != 18 {
		t.Fatalf("home links %d dashboards of %d, want the demo's 18", len(links), len(Dashboards()))
	}
	for i, want := range []string{"/apps/app0", "/apps/app1", "/apps/app2", "/apps/app3", "/apps/app4", "/apps/app5",
		"/apps/app6", "/apps/app7", "/apps/app8", "/apps/app9", "/apps/app10", "/apps/app11", "/apps/app12",
		"/apps/app13", "/apps/app14", "/apps/app15", "/apps/app16/quality_measures", "/apps/app17"} {
		if links[i][1] != want {
			t.Errorf("link %d goes to %s, want %s", i, links[i][1], want)
		}
	}
}

func TestNotFound(t *testing.T) {
	_, h := mustPages(t)
	rec := get(t, h, "/apps/app99?x=<script>")
	body := rec.Body.String()
	if rec.Code != http.StatusNotFound || !strings.Contains(body, `<a href="/">`) || !strings.Contains(body, "<code>/apps/app99</code>") {
		t.Fatalf("404 page: %d\n%s", rec.Code, body)
	}
	if strings.Contains(body, "<script>") {
		t.Error("the 404 page echoes markup")
	}
}

// TestDashboardPages checks every dashboard's page: status, title, the link
// home, the chart options, and what each one must show.
func TestDashboardPages(t *testing.T) {
	_, h := mustPages(t)
	checks := map[string]func(t *testing.T, body string, charts map[string]map[string]any){
		"/apps/app0": func(t *testing.T, body string, charts map[string]map[string]any) {
			o := charts["fruit-by-city"]
			if got := jsonString(o["xAxis"].([]any)[0].(map[string]any)["data"]); got != `["Apples","Oranges","Bananas"]` {
				t.Errorf("x axis %s", got)
			}
			if got := jsonString(seriesData(t, o, 0)) + jsonString(seriesData(t, o, 1)); got != "[4,1,2][2,4,5]" {
				t.Errorf("data %s", got)
			}
			if got := jsonString(o["series"].([]any)[0].(map[string]any)["name"]) + jsonString(o["series"].([]any)[1].(map[string]any)["name"]); got != `"SF""Montreal"` {
				t.Errorf("cities %s", got)
			}
		},
		"/apps/app1": func(t *testing.T, body string, charts map[string]map[string]any) {
			o := charts["fruit-by-city-dark"]
			title := o["title"].(map[string]any)
			if o["backgroundColor"] != "#111111" || title["left"] != "center" || title["textStyle"].(map[string]any)["color"] != "#7FDBFF" {
				t.Errorf("not styled: background %v, title %v", o["backgroundColor"], title)
			}
			if jsonString(seriesData(t, o, 0))+jsonString(seriesData(t, o, 1)) != "[4,1,2][2,4,5]" {
				t.Error("not the same data as app0")
			}
			if !strings.Contains(body, `data-theme="fixed"`) {
				t.Error("the dark chart follows the visitor's theme")
			}
		},
		"/apps/app2": func(t *testing.T, body string, _ map[string]map[string]any) {
			for _, col := range []string{"State", "Total exports", "Beef", "Pork", "Poultry", "Dairy", "Fruits", "Vegetables", "Corn", "Wheat", "Cotton"} {
				if !strings.Contains(body, `<th scope="col"`) || !strings.Contains(body, ">"+col+"</th>") {
					t.Errorf("no column %s", col)
				}
			}
			if n := strings.Count(body, "<tr>") - 1; n != 10 {
				t.Errorf("%d rows, want 10", n)
			}
			if !strings.Contains(body, "<td>Alabama</td>") || !strings.Contains(body, "Mock data") {
				t.Error("no Alabama row or no mock data label")
			}
		},
		"/apps/app3": func(t *testing.T, body string, charts map[string]map[string]any) {
			o := charts["life-exp-vs-gdp"]
			if o["xAxis"].([]any)[0].(map[string]any)["type"] != "log" {
				t.Error("x axis is not log")
			}
			var names []string
			points := 0
			for _, s := range o["series"].([]any) {
				names = append(names, s.(map[string]any)["name"].(string))
				points += len(s.(map[string]any)["data"].([]any))
			}
			if strings.Join(names, ",") != "Africa,Americas,Asia,Europe,Oceania" || points != 142 {
				t.Errorf("series %v with %d points, want 5 continents and 142 countries", names, points)
			}
			if !strings.Contains(body, `{"name":"Japan","value":[31656.06806,82.603,127467972]`) {
				t.Error("no 2007 figures for Japan")
			}
		},
		"/apps/app4": func(t *testing.T, body string, _ map[string]map[string]any) {
			for _, tag := range []string{"<h2>Dash and Markdown</h2>", "<h3>", "<ul>", "<ol>", `<a href="https://spec.commonmark.org/">`, "<hr>", "<em>", "<strong>", "<code>", "<blockquote>"} {
				if !strings.Contains(body, tag) {
					t.Errorf("no %s", tag)
				}
			}
		},
		"/apps/app5": func(t *testing.T, body string, _ map[string]map[string]any) {
			for _, c := range []string{`<select id="dropdown"`, `<select id="multi-dropdown" name="multi-dropdown" data-control multiple`,
				`type="radio"`, `type="checkbox"`, `<input type="text" id="text"`, `<input type="range" id="slider"`, `class="slider-marks"`, `class="columns"`} {
				if !strings.Contains(body, c) {
					t.Errorf("no %s", c)
				}
			}
		},
		"/apps/app6": func(t *testing.T, body string, _ map[string]map[string]any) {
			if !strings.Contains(body, ">Output: initial value</div>") {
				t.Error("no initial output")
			}
		},
		"/apps/app7": func(t *testing.T, body string, charts map[string]map[string]any) {
			if charts["graph-with-slider"]["title"].(map[string]any)["subtext"] != "1952" {
				t.Error("the chart does not start at 1952")
			}
			if !strings.Contains(body, `min="1952" max="2007" step="5" value="1952"`) {
				t.Error("no 1952-2007 slider in steps of 5")
			}
		},
		"/apps/app8": func(t *testing.T, body string, charts map[string]map[string]any) {
			o := charts["indicator-graphic"]
			if o["xAxis"].([]any)[0].(map[string]any)["type"] != "log" || len(seriesData(t, o, 0)) != 142 {
				t.Error("not the default log scale over 142 countries")
			}
			if strings.Count(body, `data-control="radio"`) != 2 || strings.Count(body, "<select id=") != 2 {
				t.Error("not two dropdowns and two radios")
			}
		},
		"/apps/app9": func(t *testing.T, body string, _ map[string]map[string]any) {
			for id, want := range map[string]string{"square": "25", "cube": "125", "twos": "32", "threes": "243", "x-to-the-x": "3125"} {
				if !strings.Contains(body, `id="`+id+`" aria-live="polite">`+want+`<`) {
					t.Errorf("%s is not %s", id, want)
				}
			}
		},
		"/apps/app10": func(t *testing.T, body string, _ map[string]map[string]any) {
			if !strings.Contains(body, ">New York City is a city in America<") || !strings.Contains(body, `value="New York City" checked`) {
				t.Error("the chain did not settle at start")
			}
		},
		"/apps/app12": func(t *testing.T, body string, _ map[string]map[string]any) {
			if !strings.Contains(body, `pressed 0 times, Input 1 is &#34;Montréal&#34;`) {
				t.Error("no initial output")
			}
		},
		"/apps/app13": func(t *testing.T, body string, charts map[string]map[string]any) {
			if !strings.Contains(body, `data-events="hover click select zoom"`) {
				t.Error("the chart does not report its four events")
			}
			if charts["basic-interactions"]["brush"] == nil || charts["basic-interactions"]["toolbox"] == nil {
				t.Error("no brush or toolbox")
			}
		},
		"/apps/app14": func(t *testing.T, body string, charts map[string]map[string]any) {
			if len(charts) != 3 || charts["x-time-series"]["title"].(map[string]any)["text"] != "Japan" {
				t.Errorf("want the scatter and Japan's two time series: %d charts", len(charts))
			}
		},
		"/apps/app15": func(t *testing.T, body string, charts map[string]map[string]any) {
			for _, id := range []string{"g1", "g2", "g3"} {
				if len(seriesData(t, charts[id], 0)) != 30 {
					t.Errorf("%s: not 30 rows", id)
				}
			}
		},
		"/apps/app16/quality_measures": func(t *testing.T, body string, charts map[string]map[string]any) {
			o := charts["measure-graph"]
			series := o["series"].([]any)
			if len(series) != 3 || series[2].(map[string]any)["type"] != "line" || series[2].(map[string]any)["yAxisIndex"] != 1.0 || len(o["yAxis"].([]any)) != 2 {
				t.Errorf("want two bar series and a line on a second axis: %s", jsonString(series))
			}
		},
		"/apps/app17": func(t *testing.T, body string, _ map[string]map[string]any) {
			for _, c := range []string{`id="first-rows"`, `class="paged-table" id="paged"`, "Page 1 of 90", "table-scroll", "table-fixed-header", `class="virtual-table" id="virtual" data-total="100000"`} {
				if !strings.Contains(body, c) {
					t.Errorf("no %s", c)
				}
			}
		},
	}
	for _, d := range Dashboards() {
		t.Run(d.Path, func(t *testing.T) {
			rec := get(t, h, d.Path)
			body := rec.Body.String()
			if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/html; charset=utf-8" {
				t.Fatalf("%d %s", rec.Code, rec.Header().Get("Content-Type"))
			}
			if !strings.Contains(body, "<title>"+escapeTitle(d.Title)+" · dashbox</title>") || !strings.Contains(body, `<a href="/">← All dashboards</a>`) {
				t.Error("no title or no link home")
			}
			if strings.Contains(body, "http://") || strings.Contains(body, "style=") || strings.Contains(body, "<style") {
				t.Error("an inline style or a plain-HTTP URL")
			}
			for _, m := range regexp.MustCompile(`<script([^>]*)>([^<]*)</script>`).FindAllStringSubmatch(body, -1) {
				if strings.Contains(m[1], " src=") && m[2] == "" || strings.Contains(m[1], ` type="application/json"`) && !strings.Contains(m[1], " src=") {
					continue
				}
				t.Errorf("an inline script: %.80s", m[0])
			}
			charts := chartOptions(t, body)
			for id, o := range charts {
				tooltip, _ := o["tooltip"].(map[string]any)
				if tooltip["renderMode"] != "richText" {
					t.Errorf("chart %s: HTML tooltips would break the CSP", id)
				}
			}
			if check := checks[d.Path]; check != nil {
				check(t, body, charts)
			}
		})
	}
}

// template escapes like html/template does for the titles used here.
func escapeTitle(s string) string { return strings.ReplaceAll(s, "'", "&#39;") }

func TestPagesCompressionAndRevalidation(t *testing.T) {
	_, h := mustPages(t)
	plain := get(t, h, "/apps/app7")
	zipped := get(t, h, "/apps/app7", "Accept-Encoding", "br, gzip;q=0.8")
	if zipped.Header().Get("Content-Encoding") != "gzip" || zipped.Header().Get("Vary") != "Accept-Encoding" {
		t.Fatalf("headers %v", zipped.Header())
	}
	zr, err := gzip.NewReader(zipped.Body)
	if err != nil {
		t.Fatal(err)
	}
	unzipped, _ := io.ReadAll(zr)
	if !bytes.Equal(unzipped, plain.Body.Bytes()) || zipped.Body.Len() > plain.Body.Len()/2 {
		t.Errorf("gzip body: %d bytes for %d", zipped.Body.Len(), plain.Body.Len())
	}
	if get(t, h, "/apps/app7", "Accept-Encoding", "gzip;q=0").Header().Get("Content-Encoding") != "" {
		t.Error("gzip sent although refused")
	}
	etag := zipped.Header().Get("Etag")
	if etag == "" || etag == plain.Header().Get("Etag") {
		t.Fatalf("ETags %q and %q", etag, plain.Header().Get("Etag"))
	}
	if rec := get(t, h, "/apps/app7", "Accept-Encoding", "gzip", "If-None-Match", etag); rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Errorf("revalidation: %d with %d bytes", rec.Code, rec.Body.Len())
	}
	if rec := get(t, h, "/apps/app7", "If-None-Match", `"other"`); rec.Code != 200 {
		t.Errorf("stale ETag: %d", rec.Code)
	}
}

// callbackCase is one call of a callback and what it must answer.
type callbackCase struct {
	name   string
	path   string
	form   url.Values
	status int
	// want is a substring of the response: an output or the error message.
	want string
}

func form(pairs ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		v.Add(pairs[i], pairs[i+1])
	}
	return v
}

// callbackNames builds d and returns its callbacks' names, sorted.
func callbackNames(tb testing.TB, d pages.Dashboard) []string {
	tb.Helper()
	content, err := d.Build()
	if err != nil {
		tb.Fatal(err)
	}
	var names []string
	for _, cb := range content.Callbacks {
		names = append(names, cb.Name)
	}
	slices.Sort(names)
	return names
}

// TestCallbacks calls every callback with good input and with bad input:
// the bad gets a 400 with a message saying what is wrong, never a 500.
func TestCallbacks(t *testing.T) {
	argentina := `{"points":[{"series":"Countries","seriesIndex":0,"dataIndex":3,"name":"Argentina","value":[12779.37964,75.32]}]}`
	indicators := func(prefix string, extra ...string) url.Values {
		return form(append([]string{prefix + "xaxis-column", Indicators[0].Name, prefix + "yaxis-column", Indicators[1].Name,
			prefix + "xaxis-type", "log", prefix + "yaxis-type", "linear", "year-slider", "2007"}, extra...)...)
	}
	cases := []callbackCase{
		{"app6 echo", "/apps/app6/callback/echo", form("my-input", "héllo <b>"), 200, `"my-output":{"text":"Output: héllo \u003cb\u003e"}`},
		{"app7 year", "/apps/app7/callback/year", form("year-slider", "2007"), 200, `"subtext":"2007"`},
		{"app7 year between", "/apps/app7/callback/year", form("year-slider", "1953"), 400, `no data for 1953: the years are 1952 to 2007 in steps of 5`},
		{"app7 year out of range", "/apps/app7/callback/year", form("year-slider", "2050"), 400, `year must be between 1952 and 2007, not 2050`},
		{"app7 year not a number", "/apps/app7/callback/year", form("year-slider", "last"), 400, `year must be a whole number, not \"last\"`},
		{"app7 year missing", "/apps/app7/callback/year", form(), 400, `year must be a whole number, not \"\"`},
		{"app8 scatter", "/apps/app8/callback/scatter", indicators(""), 200, `"name":"Japan","value":[31656.06806,82.603]`},
		{"app8 linear", "/apps/app8/callback/scatter", form("xaxis-column", Indicators[2].Name, "yaxis-column", Indicators[1].Name, "xaxis-type", "linear", "yaxis-type", "log", "year-slider", "1952"), 200, `"nameGap":48,"type":"log","scale":true}]`},
		{"app8 unknown indicator", "/apps/app8/callback/scatter", form("xaxis-column", "Happiness", "yaxis-column", Indicators[1].Name, "xaxis-type", "log", "yaxis-type", "linear", "year-slider", "2007"), 400, `unknown indicator \"Happiness\"`},
		{"app8 unknown scale", "/apps/app8/callback/scatter", form("xaxis-column", Indicators[0].Name, "yaxis-column", Indicators[1].Name, "xaxis-type", "square", "yaxis-type", "linear", "year-slider", "2007"), 400, `unknown scale \"square\": choose one of \"linear\", \"log\"`},
		{"app9 powers", "/apps/app9/callback/powers", form("x", "3"), 200, `"cube":{"text":"27"},"square":{"text":"9"},"threes":{"text":"27"},"twos":{"text":"8"},"x-to-the-x":{"text":"27"}`},
		{"app9 decimals", "/apps/app9/callback/powers", form("x", " 0.5 "), 200, `"square":{"text":"0.25"}`},
		{"app9 huge", "/apps/app9/callback/powers", form("x", "1e6"), 200, `"x-to-the-x":{"text":"too large to show"}`},
		{"app9 negative", "/apps/app9/callback/powers", form("x", "-0.5"), 200, `"x-to-the-x":{"text":"not a real number"}`},
		{"app9 not a number", "/apps/app9/callback/powers", form("x", "abc"), 400, `{"error":"x must be a number, not \"abc\""}`},
		{"app9 a long non-number", "/apps/app9/callback/powers", form("x", strings.Repeat("é", 2000)), 400, `{"error":"x must be a number, not \"` + strings.Repeat("é", 32) + `…\""}`},
		{"app9 infinity", "/apps/app9/callback/powers", form("x", "Inf"), 400, `x must be a number`},
		{"app10 cities", "/apps/app10/callback/cities", form("countries", "Canada"), 200, `"cities":{"options":[{"label":"Montréal","value":"Montréal"},{"label":"Toronto","value":"Toronto"},{"label":"Ottawa","value":"Ottawa"}],"value":"Montréal"}`},
		{"app10 sentence", "/apps/app10/callback/sentence", form("countries", "Canada", "cities", "Ottawa"), 200, `"text":"Ottawa is a city in Canada"`},
		{"app10 unknown country", "/apps/app10/callback/cities", form("countries", "Mexico"), 400, `unknown country \"Mexico\": choose one of \"America\", \"Canada\"`},
		{"app10 city of another country", "/apps/app10/callback/sentence", form("countries", "Canada", "cities", "Cincinnati"), 400, `unknown city in Canada \"Cincinnati\"`},
		{"app11 both", "/apps/app11/callback/both", form("input-1", "a", "input-2", "b"), 200, `Input 1 is \"a\" and Input 2 is \"b\"`},
		{"app12 submit", "/apps/app12/callback/submit", form("submit.clicks", "2", "input-1", "Paris", "input-2", "France"), 200, `pressed 2 times, Input 1 is \"Paris\", and Input 2 is \"France\"`},
		{"app12 bad count", "/apps/app12/callback/submit", form("submit.clicks", "-1"), 400, `the number of presses must be between 0 and`},
		{"app13 hover", "/apps/app13/callback/hover-data", form("basic-interactions.hover", `{"points":[{"name":"a","value":[1,4]}]}`), 200, `"hover-data":{"text":"{\n  \"points\": [\n    {\n      \"name\": \"a\"`},
		{"app13 selection", "/apps/app13/callback/selected-data", form("basic-interactions.select", `{"points":[],"range":{"x":[1,2],"y":[3,4]}}`), 200, `\"range\": {`},
		{"app13 no zoom yet", "/apps/app13/callback/relayout-data", form("basic-interactions.zoom", ""), 200, `"relayout-data":{"text":"null"}`},
		{"app13 not JSON", "/apps/app13/callback/click-data", form("basic-interactions.click", "{oops"), 400, `basic-interactions.click must be the JSON of a chart event`},
		{"app14 hover", "/apps/app14/callback/x-time-series", form("crossfilter-indicator-scatter.hover", argentina, "crossfilter-xaxis-column", Indicators[0].Name, "crossfilter-xaxis-type", "log"), 200, `"text":"Argentina"`},
		{"app14 scatter", "/apps/app14/callback/scatter", indicators("crossfilter-"), 200, `"crossfilter-indicator-scatter":{"chart":`},
		{"app14 unknown country", "/apps/app14/callback/y-time-series", form("crossfilter-indicator-scatter.hover", `{"points":[{"name":"Atlantis"}]}`, "crossfilter-yaxis-column", Indicators[1].Name, "crossfilter-yaxis-type", "linear"), 400, `no data for the country \"Atlantis\"`},
		{"app15 select", "/apps/app15/callback/select", form("g1.select", `{"points":[{"seriesIndex":0,"dataIndex":0},{"seriesIndex":0,"dataIndex":1}]}`, "g2.select", `{"points":[{"seriesIndex":0,"dataIndex":1}]}`), 200, `"data":[{"name":"row 1","value":`},
		{"app15 bad row", "/apps/app15/callback/select", form("g2.select", `{"points":[{"seriesIndex":0,"dataIndex":30}]}`), 400, `g2.select: no row 30`},
		{"app16 measure", "/apps/app16/quality_measures/callback/measure", form("measure", "Controlling High Blood Pressure"), 200, `"text":"Controlling High Blood Pressure"`},
		{"app16 unknown measure", "/apps/app16/quality_measures/callback/measure", form("measure", "Happiness"), 400, `unknown measure \"Happiness\": choose one of \"Breast Cancer Screening\"`},
		{"app17 page", "/apps/app17/callback/page", form("paged.page", "1"), 200, `Page 2 of 90 · rows 11–20 of 891`},
		{"app17 page out of range", "/apps/app17/callback/page", form("paged.page", "90"), 400, `page must be between 0 and 89, not 90`},
		{"app17 window", "/apps/app17/callback/window", form("virtual.offset", "99950"), 200, `"rows":{"offset":99950,"total":100000,"rows":[["99951",`},
		{"app17 window out of range", "/apps/app17/callback/window", form("virtual.offset", "100000"), 400, `offset must be between 0 and 99999, not 100000`},
		{"app17 window huge offset", "/apps/app17/callback/window", form("virtual.offset", "99999999999999999999999"), 400, `offset must be a whole number, not \"99999999999999999999999\"`},
		{"app17 page negative", "/apps/app17/callback/page", form("paged.page", "-1"), 400, `page must be between 0 and 89, not -1`},
	}
	_, h := mustPages(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, method := range []string{http.MethodPost, http.MethodGet} {
				var rec *httptest.ResponseRecorder
				if method == http.MethodPost {
					rec = post(t, h, c.path, c.form)
				} else {
					rec = get(t, h, c.path+"?"+c.form.Encode())
				}
				body := rec.Body.String()
				if rec.Code != c.status || !strings.Contains(body, c.want) {
					t.Fatalf("%s: %d %s\nwant %d with %s", method, rec.Code, body, c.status, c.want)
				}
				if ct := rec.Header().Get("Content-Type"); ct != "application/json" || rec.Header().Get("Cache-Control") != "no-store" {
					t.Errorf("headers %v", rec.Header())
				}
				if c.status == 200 {
					var out struct{ Outputs map[string]json.RawMessage }
					if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || len(out.Outputs) == 0 {
						t.Errorf("not JSON outputs: %v", err)
					}
				}
			}
		})
	}
}

// TestCallbackCoverage checks that TestCallbacks calls every callback, so
// a new dashboard's callbacks cannot go untested.
func TestCallbackCoverage(t *testing.T) {
	src, err := readTestSource()
	if err != nil {
		t.Fatal(err)
	}
	mustPages(t)
	for _, d := range Dashboards() {
		for _, name := range callbackNames(t, d) {
			if !strings.Contains(src, `"`+d.CallbackURL(name)+`"`) {
				t.Errorf("no test calls %s", d.CallbackURL(name))
			}
		}
	}
}

// TestInitialPageMatchesCallback checks that a page shows what its callback
// answers for the page's initial inputs: the start-up run and a request
// build the same chart (RenderSnippet for the page, JSON for the request).
func TestInitialPageMatchesCallback(t *testing.T) {
	_, h := mustPages(t)
	page := chartOptions(t, get(t, h, "/apps/app7").Body.String())["graph-with-slider"]
	var out struct {
		Outputs map[string]struct{ Chart map[string]any }
	}
	if err := json.Unmarshal(post(t, h, "/apps/app7/callback/year", form("year-slider", "1952")).Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if got, want := jsonString(out.Outputs["graph-with-slider"].Chart), jsonString(page); got != want {
		t.Errorf("callback option differs from the page's:\n%s\n%s", got, want)
	}
}

func TestCallbackRequestErrors(t *testing.T) {
	_, h := mustPages(t)
	big := form("my-input", strings.Repeat("x", pages.MaxCallbackBody))
	if rec := post(t, h, "/apps/app6/callback/echo", big); rec.Code != 413 || !strings.Contains(rec.Body.String(), "request body is more than the 128 KiB") {
		t.Errorf("oversized body: %d %s", rec.Code, rec.Body)
	}
	req := httptest.NewRequest(http.MethodPost, "/apps/app6/callback/echo", strings.NewReader("my-input=%zz"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 400 {
		t.Errorf("malformed body: %d %s", rec.Code, rec.Body)
	}
	if rec := get(t, h, "/apps/app6/callback/nope"); rec.Code != 404 {
		t.Errorf("unknown callback: %d", rec.Code)
	}
}

func TestMockDataIsStable(t *testing.T) {
	// The same figures on every start and every Go version: a change here
	// changes what users see, so it must be deliberate.
	if got := fmt.Sprintf("%+v", mockExports()[0]); got != "{State:Alabama Beef:77.2 Pork:40.1 Poultry:32.4 Dairy:3.3 Fruits:23.5 Vegetables:12.8 Corn:88.3 Wheat:61.6 Cotton:52.1}" {
		t.Errorf("mock exports changed: %s", got)
	}
	l := mockPassengers()
	if a, b := l.Passenger(99_999), l.Passenger(99_999); a != b {
		t.Error("a passenger differs between two reads")
	}
}

func readTestSource() (string, error) {
	b, err := os.ReadFile("pages_test.go")
	return string(b), err
}
