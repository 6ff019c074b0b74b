package pages

import (
	"bytes"
	"net/url"
	"sync"
	"testing"
)

// TestRenderOnFirstRequest: built on first request, every dashboard serves
// the same page as when built in New, and a page and its callbacks asked for
// at once on a fresh server build it once (the race detector watches the
// layout state the initial callback run writes).
func TestRenderOnFirstRequest(t *testing.T) {
	_, eager := mustPages(t)
	lazyPages, err := New(Options{AssetURL: func(name string) (string, error) { return "/static/" + name, nil }, RenderOnFirstRequest: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range lazyPages.dashboards {
		if d.page != nil {
			t.Fatalf("%s was rendered in New", d.Path)
		}
	}
	lazy := newTestMux(lazyPages)

	var wg sync.WaitGroup
	for _, d := range lazyPages.dashboards {
		for _, cb := range d.Callbacks {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Bad or good, the callback must answer without racing the build.
				post(t, lazy, d.CallbackURL(cb.Name), url.Values{})
			}()
		}
		wg.Add(1)
		go func() { defer wg.Done(); get(t, lazy, d.Path) }()
	}
	wg.Wait()

	for _, d := range lazyPages.dashboards {
		want, got := get(t, eager, d.Path), get(t, lazy, d.Path)
		if got.Code != 200 || !bytes.Equal(got.Body.Bytes(), want.Body.Bytes()) {
			t.Errorf("%s: built on first request it differs from the page built in New (status %d)", d.Path, got.Code)
		}
	}
}
