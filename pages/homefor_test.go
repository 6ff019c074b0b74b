package pages

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHomeFor checks the filter hook of single sign-on's groups: the home
// page lists only what the user may open, and every list is rendered once.
func TestHomeFor(t *testing.T) {
	p, _ := mustPages(t)
	get := func(visible func(string) bool) string {
		w := httptest.NewRecorder()
		p.HomeFor(visible).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
		if w.Code != 200 {
			t.Fatalf("status %d", w.Code)
		}
		return w.Body.String()
	}
	all := get(func(string) bool { return true })
	if !strings.Contains(all, `href="/apps/echo"`) || !strings.Contains(all, `href="/apps/chart"`) {
		t.Fatalf("the unfiltered home page misses a dashboard:\n%s", all)
	}
	onlyEcho := get(func(path string) bool { return path == "/apps/echo" })
	if !strings.Contains(onlyEcho, `href="/apps/echo"`) || strings.Contains(onlyEcho, `/apps/chart`) {
		t.Fatalf("the filtered home page lists the wrong dashboards:\n%s", onlyEcho)
	}
	if p.HomeFor(func(path string) bool { return path == "/apps/echo" }) != p.HomeFor(func(path string) bool { return path == "/apps/echo" }) {
		t.Error("the same list was rendered twice")
	}
	none := get(func(string) bool { return false })
	if strings.Contains(none, "/apps/") {
		t.Fatalf("a home page for nobody lists dashboards:\n%s", none)
	}
}
