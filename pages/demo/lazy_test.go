package demo

import (
	"bytes"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/dashbox/dashbox/pages"
)

// TestRenderOnFirstRequest: built on first request, every dashboard serves
// the same page as when built in New, and a page and its callbacks asked for
// at once on a fresh server build it once (the race detector watches the
// layout state the initial callback run writes).
func TestRenderOnFirstRequest(t *testing.T) {
	_, eager := mustPages(t)
	var mu sync.Mutex
	built := map[string]int{}
	dashboards := Dashboards()
	for i, d := range dashboards {
		build := d.Build
		dashboards[i].Build = func() (pages.Content, error) {
			mu.Lock()
			built[d.Path]++
			mu.Unlock()
			return build()
		}
	}
	lazyPages, err := pages.New(pages.Options{AssetURL: func(name string) (string, error) { return "/static/" + name, nil }, RenderOnFirstRequest: true, Dashboards: dashboards})
	if err != nil {
		t.Fatal(err)
	}
	if len(built) != 0 {
		t.Fatalf("built in New: %v", built)
	}
	lazy := newTestMux(lazyPages)

	var wg sync.WaitGroup
	for _, d := range Dashboards() {
		// The names are known once a dashboard is built: another's.
		for _, name := range callbackNames(t, d) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Bad or good, the callback must answer without racing the build.
				post(t, lazy, d.CallbackURL(name), url.Values{})
			}()
		}
		wg.Add(1)
		go func() { defer wg.Done(); get(t, lazy, d.Path) }()
	}
	wg.Wait()
	for _, d := range dashboards {
		if built[d.Path] != 1 {
			t.Errorf("%s built %d times", d.Path, built[d.Path])
		}
	}

	for _, d := range dashboards {
		want, got := get(t, eager, d.Path), get(t, lazy, d.Path)
		if got.Code != 200 || !bytes.Equal(got.Body.Bytes(), want.Body.Bytes()) {
			t.Errorf("%s: built on first request it differs from the page built in New (status %d)", d.Path, got.Code)
		}
	}
}

// TestDataSetsMadeOnFirstNeed: a dashboard that shows no data set makes
// none, and each data set is made once, by the first dashboard built that
// shows it, even when all of them are built at once.
func TestDataSetsMadeOnFirstNeed(t *testing.T) {
	var mu sync.Mutex
	made := map[string]int{}
	counted := func(name string) {
		mu.Lock()
		defer mu.Unlock()
		made[name]++
	}
	embedded := embeddedDataSets
	sets := dataSets{
		gapminder:  func() (*Gapminder, error) { counted("gapminder"); return embedded.gapminder() },
		exports:    func() []StateExports { counted("exports"); return embedded.exports() },
		passengers: func() *PassengerList { counted("passengers"); return embedded.passengers() },
		quality:    func() *QualityMeasures { counted("quality"); return embedded.quality() },
		random:     func() [][]float64 { counted("random"); return embedded.random() },
	}
	p, err := pages.New(pages.Options{AssetURL: func(name string) (string, error) { return "/static/" + name, nil }, RenderOnFirstRequest: true, Dashboards: dashboards(newData(sets))})
	if err != nil {
		t.Fatal(err)
	}
	h := newTestMux(p)

	for _, path := range []string{"/apps/app0", "/apps/app4", "/apps/app6"} {
		if rec := get(t, h, path); rec.Code != 200 {
			t.Fatalf("%s: %d", path, rec.Code)
		}
	}
	if len(made) != 0 {
		t.Errorf("dashboards that show no data set made %v", made)
	}

	var wg sync.WaitGroup
	for _, d := range registry {
		wg.Go(func() {
			if rec := get(t, h, d.Path); rec.Code != 200 {
				t.Errorf("%s: %d", d.Path, rec.Code)
			}
		})
	}
	wg.Wait()
	want := map[string]int{"gapminder": 1, "exports": 1, "passengers": 1, "quality": 1, "random": 1}
	if !maps.Equal(made, want) {
		t.Errorf("data sets made %v, want each once: %v", made, want)
	}
}

// TestDataSetErrorFailsItsDashboards: a broken data set (the embedded CSV,
// say) is the build error of each dashboard that shows it: a 500 and a log
// line on first request, New's error when New builds the dashboards. The
// dashboards that do not show it still work.
func TestDataSetErrorFailsItsDashboards(t *testing.T) {
	broken := embeddedDataSets
	broken.gapminder = func() (*Gapminder, error) {
		return parseGapminder(strings.NewReader("country,year,lifeExp,pop,gdpPercap\nJapan,1952,63.03,86459025,3216.956347\n"))
	}
	var log bytes.Buffer
	opts := pages.Options{
		AssetURL:             func(name string) (string, error) { return "/static/" + name, nil },
		Logger:               slog.New(slog.NewTextHandler(&log, nil)),
		RenderOnFirstRequest: true,
		Dashboards:           dashboards(newData(broken)),
	}
	p, err := pages.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	h := newTestMux(p)
	if rec := get(t, h, "/apps/app7"); rec.Code != 500 || !strings.Contains(log.String(), "/apps/app7") || !strings.Contains(log.String(), `no \"continent\" column`) {
		t.Errorf("app7 on broken data: %d, log %q", rec.Code, log.String())
	}
	if rec := post(t, h, "/apps/app7/callback/year", form("year-slider", "1952")); rec.Code != 500 {
		t.Errorf("app7's callback on broken data: %d", rec.Code)
	}
	if rec := get(t, h, "/apps/app2"); rec.Code != 200 {
		t.Errorf("app2, which shows no Gapminder data: %d", rec.Code)
	}

	// New builds every dashboard when RenderOnFirstRequest is false.
	opts.RenderOnFirstRequest = false
	if _, err := pages.New(opts); err == nil || !strings.Contains(err.Error(), "/apps/app3") || !strings.Contains(err.Error(), `no "continent" column`) {
		t.Errorf("building all on broken data: %v, want the first Gapminder dashboard's error", err)
	}
}

// TestUnknownCallback: one route stands for a dashboard's callbacks, and a
// name it has no callback of is answered as a path no route matches (the
// 404 page), whatever the method and however the dashboard is built; a
// known callback refuses other methods than GET and POST with a 405.
func TestUnknownCallback(t *testing.T) {
	_, eager := mustPages(t)
	lazyPages, err := pages.New(pages.Options{AssetURL: func(name string) (string, error) { return "/static/" + name, nil }, RenderOnFirstRequest: true, Dashboards: Dashboards()})
	if err != nil {
		t.Fatal(err)
	}
	lazy := newTestMux(lazyPages)
	notFound := get(t, eager, "/nope").Body.String()
	for _, h := range []http.Handler{lazy, eager} {
		for _, c := range []struct {
			method, path string
			status       int
		}{
			{"GET", "/apps/app6/callback/nope", 404},
			{"POST", "/apps/app6/callback/nope", 404},
			{"PUT", "/apps/app6/callback/nope", 404},
			{"DELETE", "/apps/app0/callback/x", 404}, // a dashboard without callbacks
			{"GET", "/apps/app6/callback/", 404},
			{"GET", "/apps/app6/callback/echo/more", 404},
			{"PUT", "/apps/app6/callback/echo", 405},
			{"OPTIONS", "/apps/app9/callback/powers", 405},
			{"GET", "/apps/app6/callback/echo?my-input=x", 200},
			{"HEAD", "/apps/app6/callback/echo?my-input=x", 200},
		} {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(c.method, c.path, nil))
			if rec.Code != c.status {
				t.Errorf("%s %s: %d, want %d", c.method, c.path, rec.Code, c.status)
			}
			if c.status == 404 && c.method != "HEAD" && rec.Body.String() != strings.Replace(notFound, "/nope", strings.TrimSuffix(c.path, "?my-input=x"), 1) {
				t.Errorf("%s %s: not the 404 page:\n%s", c.method, c.path, rec.Body)
			}
		}
	}
}
