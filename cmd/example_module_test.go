package cmd

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// exampleModule is the module docs/dashboards.md walks a newcomer through:
// its own go.mod, one dashboard, and dashbox's whole command line.
const exampleModule = "../examples/hello"

// TestExampleModule: a module of its own builds a binary with dashbox's
// command line around its dashboard, as a newcomer following
// docs/dashboards.md does; Chromium draws the dashboard's chart and its
// callback redraws it for another region.
func TestExampleModule(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "hello")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = exampleModule
	build.Env = append(os.Environ(), "GOFLAGS=-mod=readonly", "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s\n(after a change to dashbox's go.mod, run `go mod tidy` in %s)", exampleModule, err, out, exampleModule)
	}

	version, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(version), "dashbox ") {
		t.Fatalf("hello version: %v\n%s", err, version)
	}

	p := mustStartBinary(t, bin)
	home := func() string {
		resp, err := p.client.Get("https://" + p.httpsAddr + "/")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return string(body)
	}()
	if !strings.Contains(home, `href="/apps/sales"`) || strings.Contains(home, `href="/apps/app0"`) {
		t.Errorf("the home page does not list exactly the module's dashboard:\n%s", home)
	}

	b := mustBrowser(t, &dashbox{httpsAddr: p.httpsAddr, roots: mustRootPool(t, p.stateDir)})
	tb := b.open(t, "/apps/sales")
	charts := eval[[]chartDrawn](tb, chartPixels)
	if len(charts) != 1 || charts[0].ID != "sales-chart" || charts[0].Colours < 3 {
		t.Fatalf("the sales chart is not drawn: %+v", charts)
	}
	series := `String(echarts.getInstanceByDom(document.getElementById('sales-chart')).getOption().series[0].name)`
	if got := eval[string](tb, series); got != "North" {
		t.Fatalf("the chart shows %q, want the initial region North", got)
	}
	tb.do(chromedp.Focus(chromedp.ID("region")), chromedp.KeyEvent(kb.ArrowDown))
	tb.waitFor("the callback to redraw the chart for South", series+` === 'South'`)
	tb.checkClean(b.origin)
}
