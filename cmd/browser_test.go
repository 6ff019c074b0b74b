package cmd

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// The browser tests drive Debian's Chromium, headless, against the real
// server over HTTPS, as a user would: every page loads with no console
// error, no Content-Security-Policy violation and no request to any other
// origin; every chart draws; and the callbacks work from the controls.

// browser is one headless Chromium for a whole test; each page opens in a
// tab of its own, in a fresh browser context, so every page is measured
// with a cold cache.
type browser struct {
	ctx    context.Context
	origin string // https://127.0.0.1:port
}

// mustBrowser starts Chromium for d. It trusts exactly the certificate d
// serves, after this test has verified that certificate against dashbox's
// local root: Chromium has no per-profile trust store to put the root in.
func mustBrowser(t *testing.T, d *dashbox) *browser {
	t.Helper()
	exe, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed: make test-deps installs it (apt-get install chromium)")
		}
		t.Skip("chromium is not installed: apt-get install chromium, or make test-deps")
	}
	conn, err := tls.Dial("tcp", d.httpsAddr, &tls.Config{RootCAs: d.roots, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatalf("verifying dashbox's certificate: %v", err)
	}
	leaf := conn.ConnectionState().PeerCertificates[0]
	conn.Close()
	spki := sha256.Sum256(leaf.RawSubjectPublicKeyInfo)

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.NoSandbox, // tests run as root
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("ignore-certificate-errors-spki-list", base64.StdEncoding.EncodeToString(spki[:])),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // start the browser now
		t.Fatalf("starting chromium: %v", err)
	}
	return &browser{ctx: ctx, origin: "https://" + d.httpsAddr}
}

// tab is one page in its own browser context, with what it recorded.
type tab struct {
	t   *testing.T
	ctx context.Context
	url string

	mu       sync.Mutex
	requests []string // every URL the page asked for
	problems []string // console errors, exceptions, browser log errors
	bytes    float64  // bytes received over the network, compressed
	ids      []network.RequestID
}

// cspRecorder runs before the page's own scripts and keeps every CSP
// violation the page reports, in case the browser log misses one.
const cspRecorder = `window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + e.sourceFile + ':' + e.lineNumber);
});`

// open loads path in a new tab and waits until dashbox.js is ready and
// every chart has drawn (dark emulates prefers-color-scheme: dark).
func (b *browser) open(t *testing.T, path string, setup ...chromedp.Action[chromedp.Void]) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	tb := &tab{t: t, ctx: ctx, url: b.origin + path}
	if err := chromedp.Listen(ctx, tb.record); err != nil {
		t.Fatal(err)
	}
	steps := append([]chromedp.Action[chromedp.Void]{
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspRecorder})
			return err
		}),
	}, setup...)
	steps = append(steps, chromedp.Navigate(tb.url))
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("loading %s: %v", path, err)
	}
	tb.waitSettled()
	return tb
}

func (tb *tab) record(ev any) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		tb.requests = append(tb.requests, e.Request.URL)
	case *network.EventLoadingFinished:
		tb.bytes += e.EncodedDataLength
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range e.Args {
				args = append(args, strings.Trim(string(a.Value), `"`)+a.Description)
			}
			tb.problems = append(tb.problems, "console."+string(e.Type)+": "+strings.Join(args, " "))
		}
	case *runtime.EventExceptionThrown:
		msg := e.ExceptionDetails.Text
		if e.ExceptionDetails.Exception != nil {
			msg += " " + e.ExceptionDetails.Exception.Description
		}
		tb.problems = append(tb.problems, "exception: "+msg)
	case *log.EventEntryAdded:
		if e.Entry.Level == log.EntryLevelError || e.Entry.Source == log.EntrySourceSecurity {
			tb.problems = append(tb.problems, fmt.Sprintf("log (%s): %s %s", e.Entry.Source, e.Entry.Text, e.Entry.URL))
		}
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		tb.t.Fatalf("%s: evaluating %s: %v", tb.url, expr, err)
	}
	return v
}

// waitFor waits until the expression is truthy.
func (tb *tab) waitFor(what, expr string) {
	tb.t.Helper()
	if _, err := chromedp.Run(tb.ctx, chromedp.Poll[chromedp.Void](expr, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		tb.t.Fatalf("%s: waiting for %s: %v\nexpression: %s\npage problems: %v", tb.url, what, err, expr, tb.problemList())
	}
}

// waitSettled waits until dashbox.js has started (on pages that load it),
// no callback is in flight and every chart has finished drawing.
func (tb *tab) waitSettled() {
	tb.t.Helper()
	tb.waitFor("the page to settle", `(!document.querySelector('script[src*="/js/dashbox."]') ||
		(document.documentElement.dataset.ready === 'true' && document.documentElement.dataset.pending === '0')) &&
		[...document.querySelectorAll('[data-chart]')].every((el) => el.dataset.drawn === 'true')`)
}

// retype replaces the text of the input with id as a user does: select
// all, then type.
func retype(id, text string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Focus(chromedp.ID(id)),
		chromedp.KeyEvent("a", chromedp.KeyModifiers(kb.ModifierCtrl)),
		chromedp.SendKeys(chromedp.ID(id), text),
	)
}

func (tb *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, steps...); err != nil {
		tb.t.Fatalf("%s: %v", tb.url, err)
	}
}

func (tb *tab) problemList() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]string(nil), tb.problems...)
}

// checkClean fails the test for console errors, CSP violations and requests
// to other origins. Problems containing one of the expected strings are the
// test's own doing (a 404 it asked for).
func (tb *tab) checkClean(origin string, expected ...string) {
	tb.t.Helper()
problems:
	for _, p := range tb.problemList() {
		for _, e := range expected {
			if strings.Contains(p, e) {
				continue problems
			}
		}
		tb.t.Errorf("%s: %s", tb.url, p)
	}
	for _, v := range eval[[]string](tb, `window.__csp`) {
		tb.t.Errorf("%s: Content-Security-Policy violation: %s", tb.url, v)
	}
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if len(tb.requests) == 0 {
		tb.t.Errorf("%s: no request recorded", tb.url)
	}
	for _, r := range tb.requests {
		u, err := url.Parse(r)
		if err != nil || u.Scheme+"://"+u.Host != origin {
			tb.t.Errorf("%s: request to another origin: %s", tb.url, r)
		}
	}
}

// chartPixels reports, for every chart, how many distinct colours its
// canvas shows (sampled): a drawn chart has axes, labels and marks in
// several colours, a blank one has one.
const chartPixels = `[...document.querySelectorAll('[data-chart]')].map((el) => {
  const c = el.querySelector('canvas');
  if (!c || !c.width || !c.height) return {id: el.id, colours: 0};
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const seen = new Set();
  for (let i = 0; i < d.length && seen.size < 64; i += 4 * 13) seen.add(d[i] + ',' + d[i+1] + ',' + d[i+2] + ',' + d[i+3]);
  return {id: el.id, colours: seen.size};
})`

type chartDrawn struct {
	ID      string `json:"id"`
	Colours int    `json:"colours"`
}

// dashboardPaths reads the dashboards' paths from the home page's links.
func dashboardPaths(t *testing.T, d *dashbox) []string {
	t.Helper()
	_, body := d.get(t, "/")
	var paths []string
	for _, m := range regexp.MustCompile(`<a href="(/apps/[^"]+)"`).FindAllStringSubmatch(string(body), -1) {
		paths = append(paths, m[1])
	}
	if len(paths) != 18 {
		t.Fatalf("the home page links %d dashboards, want the demo's 18: %v", len(paths), paths)
	}
	return paths
}

// TestBrowserPages loads every page: clean console, same-origin requests
// only, every chart drawn; and reports each page's weight.
func TestBrowserPages(t *testing.T) {
	d := mustStart(t)
	b := mustBrowser(t, d)
	paths := append([]string{"/", "/no/such/page"}, dashboardPaths(t, d)...)
	weights := map[string]int{}
	for _, path := range paths {
		name := strings.TrimPrefix(path, "/")
		if name == "" {
			name = "home"
		}
		t.Run(name, func(t *testing.T) {
			tb := b.open(t, path)
			if path == "/no/such/page" {
				tb.checkClean(b.origin, "status of 404 () "+tb.url)
			} else {
				tb.checkClean(b.origin)
			}
			charts := eval[[]chartDrawn](tb, chartPixels)
			for _, c := range charts {
				if c.Colours < 3 {
					t.Errorf("%s: chart %s looks blank (%d colours)", path, c.ID, c.Colours)
				}
			}
			if strings.HasPrefix(path, "/apps/") {
				if home := eval[int](tb, `document.querySelectorAll('a[href="/"]').length`); home < 2 {
					t.Errorf("%s: no link back home", path)
				}
			}
			tb.mu.Lock()
			bytes, requests := tb.bytes, len(tb.requests)
			tb.mu.Unlock()
			weights[path] = int(bytes)
			t.Logf("%s: %d charts, %d requests, %.1f KiB over the wire", path, len(charts), requests, bytes/1024)
		})
	}
	var keys []string
	for k := range weights {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var report strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&report, "%-30s %8.1f KiB\n", k, float64(weights[k])/1024)
	}
	t.Logf("page weight (bytes received, compressed, cold cache):\n%s", report.String())
	if out := os.Getenv("DASHBOX_PAGE_WEIGHTS"); out != "" {
		data, _ := json.MarshalIndent(weights, "", "  ")
		if err := os.WriteFile(out, append(data, '\n'), 0o644); err != nil {
			t.Error(err)
		}
	}
}

// TestBrowserCallbacks drives the callbacks as a user would.
func TestBrowserCallbacks(t *testing.T) {
	d := mustStart(t)
	b := mustBrowser(t, d)
	text := func(tb *tab, id string) string {
		return eval[string](tb, `document.getElementById(`+jsString(id)+`).textContent`)
	}
	// waitText waits until the element's text is want.
	waitText := func(tb *tab, id, want string) {
		t.Helper()
		tb.waitFor(fmt.Sprintf("#%s to read %q (it reads %q)", id, want, text(tb, id)),
			`document.getElementById(`+jsString(id)+`).textContent === `+jsString(want))
	}
	chartOption := func(tb *tab, id, path string) string {
		return eval[string](tb, `String(echarts.getInstanceByDom(document.getElementById(`+jsString(id)+`)).getOption()`+path+`)`)
	}

	t.Run("app6 typing", func(t *testing.T) {
		tb := b.open(t, "/apps/app6")
		waitText(tb, "my-output", "Output: initial value")
		tb.do(retype("my-input", "hello dashbox"))
		waitText(tb, "my-output", "Output: hello dashbox")
		tb.checkClean(b.origin)
	})

	t.Run("app9 number", func(t *testing.T) {
		tb := b.open(t, "/apps/app9")
		waitText(tb, "x-to-the-x", "3125")
		tb.do(retype("x", "3"))
		waitText(tb, "square", "9")
		for id, want := range map[string]string{"cube": "27", "twos": "8", "threes": "27", "x-to-the-x": "27"} {
			if got := text(tb, id); got != want {
				t.Errorf("%s = %q, want %q", id, got, want)
			}
		}
		// Not a number: the server's 400 message shows, nothing breaks.
		tb.do(retype("x", "-"))
		tb.waitFor("the error message", `!document.getElementById('dashbox-error').hidden`)
		if msg := text(tb, "dashbox-error"); !strings.Contains(msg, "x must be a number") {
			t.Errorf("error message %q", msg)
		}
		tb.do(retype("x", "4"))
		waitText(tb, "square", "16")
		tb.waitFor("the error message to go", `document.getElementById('dashbox-error').hidden`)
		// Chromium logs the 400 as a failed resource load.
		tb.checkClean(b.origin, "status of 400 () "+b.origin+"/apps/app9/callback/powers")
	})

	t.Run("app10 Canada", func(t *testing.T) {
		tb := b.open(t, "/apps/app10")
		waitText(tb, "display-selected-values", "New York City is a city in America")
		tb.do(chromedp.Click(chromedp.CSS(`#countries input[value="Canada"]`)))
		waitText(tb, "display-selected-values", "Montréal is a city in Canada")
		cities := eval[[]string](tb, `[...document.querySelectorAll('#cities input')].map((i) => i.value + (i.checked ? '*' : ''))`)
		if strings.Join(cities, ",") != "Montréal*,Toronto,Ottawa" {
			t.Errorf("city options after choosing Canada: %v", cities)
		}
		tb.do(chromedp.Click(chromedp.CSS(`#cities input[value="Ottawa"]`)))
		waitText(tb, "display-selected-values", "Ottawa is a city in Canada")
		tb.checkClean(b.origin)
	})

	t.Run("app12 Submit twice", func(t *testing.T) {
		tb := b.open(t, "/apps/app12")
		initial := `The button has been pressed 0 times, Input 1 is "Montréal", and Input 2 is "Canada"`
		waitText(tb, "output", initial)
		tb.do(retype("input-1", "Paris"))
		tb.waitSettled()
		if got := text(tb, "output"); got != initial {
			t.Errorf("typing changed the output before Submit: %q", got)
		}
		tb.do(chromedp.Click(chromedp.ID("submit")))
		waitText(tb, "output", `The button has been pressed 1 times, Input 1 is "Paris", and Input 2 is "Canada"`)
		tb.do(chromedp.Click(chromedp.ID("submit")))
		waitText(tb, "output", `The button has been pressed 2 times, Input 1 is "Paris", and Input 2 is "Canada"`)
		tb.checkClean(b.origin)
	})

	t.Run("app7 slider", func(t *testing.T) {
		tb := b.open(t, "/apps/app7")
		if got := chartOption(tb, "graph-with-slider", ".title[0].subtext"); got != "1952" {
			t.Fatalf("initial year %q", got)
		}
		// Press End on the focused slider, as a keyboard user moves it to
		// the last year.
		tb.do(chromedp.Focus(chromedp.ID("year-slider")), chromedp.KeyEvent(kb.End))
		tb.waitFor("the chart to show 2007", `String(echarts.getInstanceByDom(document.getElementById('graph-with-slider')).getOption().title[0].subtext) === '2007'`)
		tb.waitSettled()
		if got := eval[string](tb, `document.querySelector('[data-slider-value]').textContent`); got != "2007" {
			t.Errorf("slider label %q", got)
		}
		tb.checkClean(b.origin)
	})

	t.Run("app16 measure", func(t *testing.T) {
		tb := b.open(t, "/apps/app16/quality_measures")
		first := chartOption(tb, "measure-graph", ".title[0].text")
		tb.do(chromedp.Focus(chromedp.ID("measure")), chromedp.KeyEvent(kb.ArrowDown))
		second := eval[string](tb, `document.getElementById('measure').value`)
		if second == first {
			t.Fatalf("ArrowDown did not change the measure from %q", first)
		}
		tb.waitFor("the chart to show "+second, `String(echarts.getInstanceByDom(document.getElementById('measure-graph')).getOption().title[0].text) === `+jsString(second))
		tb.checkClean(b.origin)
	})

	t.Run("app14 hover", func(t *testing.T) {
		tb := b.open(t, "/apps/app14")
		if got := chartOption(tb, "x-time-series", ".title[0].text"); got != "Japan" {
			t.Fatalf("time series before hovering: %q", got)
		}
		// Scroll the scatter into view and move the mouse onto Argentina's
		// bubble, placed by the chart itself (relative to its canvas).
		tb.do(chromedp.Evaluate[chromedp.Void](`document.getElementById('crossfilter-indicator-scatter').scrollIntoView({block: 'center'})`))
		pos := eval[struct {
			X, Y float64
			Name string
		}](tb, `(() => {
			const el = document.getElementById('crossfilter-indicator-scatter');
			const chart = echarts.getInstanceByDom(el);
			const data = chart.getOption().series[0].data;
			const i = data.findIndex((d) => d.name === 'Argentina');
			const [px, py] = chart.convertToPixel({seriesIndex: 0}, data[i].value);
			const r = el.querySelector('canvas').getBoundingClientRect();
			return {X: r.left + px, Y: r.top + py, Name: data[i].name};
		})()`)
		if pos.Name != "Argentina" {
			t.Fatalf("no Argentina in the scatter")
		}
		tb.do(chromedp.MouseEvent(chromedp.MouseMoved, pos.X, pos.Y))
		tb.waitFor("the time series of "+pos.Name, `String(echarts.getInstanceByDom(document.getElementById('x-time-series')).getOption().title[0].text) === `+jsString(pos.Name)+
			` && String(echarts.getInstanceByDom(document.getElementById('y-time-series')).getOption().title[0].text) === `+jsString(pos.Name))
		tb.checkClean(b.origin)
	})

	t.Run("app13 events", func(t *testing.T) {
		tb := b.open(t, "/apps/app13")
		p := eval[map[string]float64](tb, `(() => {
			const el = document.getElementById('basic-interactions');
			const chart = echarts.getInstanceByDom(el);
			const [px, py] = chart.convertToPixel({seriesIndex: 0}, [2, 1]);
			const r = el.querySelector('canvas').getBoundingClientRect();
			return {x: r.left + px, y: r.top + py};
		})()`)
		tb.do(chromedp.MouseEvent(chromedp.MouseMoved, p["x"], p["y"]), chromedp.MouseClickXY(p["x"], p["y"]))
		tb.waitFor("hover and click data for point b",
			`document.getElementById('hover-data').textContent.includes('"name": "b"') && document.getElementById('click-data').textContent.includes('"name": "b"')`)
		tb.do(chromedp.MouseEvent(chromedp.MouseWheel, p["x"], p["y"], func(e *input.DispatchMouseEventParams) { e.DeltaX, e.DeltaY = 1, -200 }))
		tb.waitFor("zoom data", `document.getElementById('relayout-data').textContent.includes('"xaxis.range"')`)
		tb.checkClean(b.origin)
	})

	t.Run("app15 brush", func(t *testing.T) {
		tb := b.open(t, "/apps/app15")
		// Drag a box over the middle of the first chart (it starts in
		// box-select mode): all three fade the rows outside it.
		r := eval[map[string]float64](tb, `(() => {
			const el = document.getElementById('g1');
			el.scrollIntoView({block: 'center'});
			const r = el.querySelector('canvas').getBoundingClientRect();
			return {x: r.left, y: r.top, w: r.width, h: r.height};
		})()`)
		x0, y0 := r["x"]+r["w"]*0.3, r["y"]+r["h"]*0.3
		x1, y1 := r["x"]+r["w"]*0.8, r["y"]+r["h"]*0.8
		tb.do(
			chromedp.MouseEvent(chromedp.MouseMoved, x0, y0),
			chromedp.MouseEvent(chromedp.MousePressed, x0, y0, chromedp.ButtonLeft),
			chromedp.MouseEvent(chromedp.MouseMoved, (x0+x1)/2, (y0+y1)/2, chromedp.ButtonLeft),
			chromedp.MouseEvent(chromedp.MouseMoved, x1, y1, chromedp.ButtonLeft),
			chromedp.MouseEvent(chromedp.MouseReleased, x1, y1, chromedp.ButtonLeft),
		)
		tb.waitFor("faded rows in the third chart", `echarts.getInstanceByDom(document.getElementById('g3')).getOption().series[0].data.some((d) => d.itemStyle)`)
		tb.waitSettled()
		kept := eval[[]int](tb, `[1, 2, 3].map((i) => echarts.getInstanceByDom(document.getElementById('g' + i)).getOption().series[0].data.filter((d) => !d.itemStyle).length)`)
		if kept[0] == 0 || kept[0] == 30 || kept[1] != kept[0] || kept[2] != kept[0] {
			t.Errorf("rows kept in the three charts: %v; want the same selection, neither none nor all", kept)
		}
		tb.checkClean(b.origin)
	})

	t.Run("theme follows the system", func(t *testing.T) {
		tb := b.open(t, "/apps/app0")
		palette := `String(echarts.getInstanceByDom(document.getElementById('fruit-by-city')).getOption().color[0])`
		light := eval[string](tb, palette)
		tb.do(colorScheme("dark"))
		tb.waitFor("the chart in the dark theme", palette+` !== `+jsString(light))
		tb.waitSettled()
		tb.do(colorScheme("light"))
		tb.waitFor("the chart in the light theme again", palette+` === `+jsString(light))
		tb.checkClean(b.origin)
	})

	t.Run("app17 paging", func(t *testing.T) {
		tb := b.open(t, "/apps/app17")
		firstCell := `document.querySelector('#paged tbody tr td').textContent`
		if got := eval[string](tb, firstCell); got != "1" {
			t.Fatalf("first row on page 1: %q", got)
		}
		tb.do(chromedp.Click(chromedp.CSS(`#paged [data-page-step="1"]`)))
		tb.waitFor("page 2", firstCell+` === '11'`)
		if got := eval[string](tb, `document.querySelector('#paged .pager-status').textContent`); !strings.HasPrefix(got, "Page 2 of 90") {
			t.Errorf("pager reads %q", got)
		}
		tb.do(chromedp.Click(chromedp.CSS(`#paged [data-page-step="-1"]`)))
		tb.waitFor("page 1 again", firstCell+` === '1'`)

		// The virtualised table: scroll far down and the rows in view arrive.
		tb.do(chromedp.Evaluate[chromedp.Void](`(() => {
			document.getElementById('virtual').scrollIntoView({block: 'center'});
			const v = document.querySelector('#virtual .virtual-viewport');
			v.scrollTop = v.scrollHeight / 2;
		})()`))
		tb.waitFor("the rows around row 50,000", `(() => {
			const v = document.querySelector('#virtual .virtual-viewport');
			const r = v.getBoundingClientRect();
			const el = document.elementFromPoint(r.left + 40, r.top + r.height / 2);
			const id = el && Number(el.closest('tr')?.cells[0].textContent);
			return id > 49000 && id < 51000;
		})()`)
		if rows := eval[int](tb, `document.querySelectorAll('#virtual tbody tr').length`); rows > 200 {
			t.Errorf("the virtualised table holds %d rows; it should hold a window", rows)
		}
		tb.checkClean(b.origin)
	})
}

// TestBrowserScreenshots writes a PNG of every page at desktop and phone
// width, in the light and the dark theme, into $DASHBOX_SCREENSHOTS (make
// screenshots). It is skipped otherwise.
func TestBrowserScreenshots(t *testing.T) {
	dir := os.Getenv("DASHBOX_SCREENSHOTS")
	if dir == "" {
		t.Skip("set DASHBOX_SCREENSHOTS to a folder (make screenshots does)")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	d := mustStart(t)
	b := mustBrowser(t, d)
	paths := append([]string{"/", "/no/such/page"}, dashboardPaths(t, d)...)
	for _, path := range paths {
		for _, size := range []struct {
			name          string
			width, height int64
			mobile        bool
		}{{"desktop", 1280, 900, false}, {"phone", 390, 844, true}} {
			for _, theme := range []string{"light", "dark"} {
				name := strings.Trim(strings.NewReplacer("/", "_").Replace(path), "_")
				if name == "" {
					name = "home"
				}
				file := filepath.Join(dir, fmt.Sprintf("%s-%s-%s.png", name, size.name, theme))
				viewport := chromedp.EmulateViewport(size.width, size.height)
				if size.mobile {
					viewport = chromedp.EmulateViewport(size.width, size.height, chromedp.EmulateMobile, chromedp.EmulateScale(2))
				}
				tb := b.open(t, path, viewport, colorScheme(theme))
				png, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, png, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	t.Logf("screenshots in %s", dir)
}

// colorScheme emulates the system's light or dark setting.
func colorScheme(scheme string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		})
		return err
	})
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
