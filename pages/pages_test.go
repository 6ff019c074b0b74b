package pages

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestCallbackPanicIsInternalError(t *testing.T) {
	p, _ := mustPages(t)
	h := p.callbackHandler(Callback{Name: "boom", Inputs: []string{"x"}, Func: func(Inputs) (Outputs, error) { panic("bug") }}, nil)
	rec := post(t, h, "/x", form("x", "1"))
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), `"error":"Internal error`) || strings.Contains(rec.Body.String(), "bug") {
		t.Errorf("%d %s", rec.Code, rec.Body)
	}
}

func TestErrorCodes(t *testing.T) {
	for _, c := range []struct {
		err    error
		status int
		msg    string
	}{
		{Errorf(EINVALID, "x must be %s", "a number"), 400, "x must be a number"},
		{fmt.Errorf("wrapped: %w", Errorf(ENOTFOUND, "no such thing")), 404, "no such thing"},
		{errors.New("disk on fire"), 500, "Internal error: the server could not compute this; the details are in its log."},
	} {
		if got := errorStatus[ErrorCode(c.err)]; got != c.status || ErrorMessage(c.err) != c.msg {
			t.Errorf("%v: %d %q, want %d %q", c.err, got, ErrorMessage(c.err), c.status, c.msg)
		}
	}
}

// TestBuildRejectsBrokenDashboards: mistakes in a dashboard stop start-up
// (New checks what it routes, then builds) with a message naming the
// dashboard, not a visitor's page. (A callback's name is declared once, in
// what Build returns, so no list of names can disagree with it.)
func TestBuildRejectsBrokenDashboards(t *testing.T) {
	echo := func(in Inputs) (Outputs, error) {
		return Outputs{"out": Text(in.String("in"))}, nil
	}
	cases := []struct {
		name    string
		prepare func(d *Dashboard, c *Content)
		want    string
	}{
		{"duplicate ID", func(_ *Dashboard, c *Content) { c.Layout = append(c.Layout, &TextOutput{ID: "out"}) }, `two components have the ID "out"`},
		{"unknown input", func(_ *Dashboard, c *Content) { c.Callbacks[0].Inputs = []string{"nope"} }, `input "nope" names no control`},
		{"unknown event", func(_ *Dashboard, c *Content) { c.Callbacks[0].Inputs = []string{"in.hover"} }, `in has no input "in.hover"`},
		{"output to a control that takes none", func(_ *Dashboard, c *Content) {
			c.Callbacks[0].Func = func(Inputs) (Outputs, error) { return Outputs{"in": Text("x")}, nil }
		}, `output in: this component takes only value outputs`},
		{"failing initial run", func(_ *Dashboard, c *Content) {
			c.Callbacks[0].Func = func(Inputs) (Outputs, error) { return nil, Errorf(EINVALID, "bad start") }
		}, "fails with the initial values: bad start"},
		{"callback without Func", func(_ *Dashboard, c *Content) { c.Callbacks[0].Func = nil }, `callback "echo" needs Inputs and a Func`},
		{"duplicate callback name", func(_ *Dashboard, c *Content) {
			c.Callbacks = append(c.Callbacks, Callback{Name: "echo", Inputs: []string{"in"}, Func: echo})
		}, `callback name "echo" must be unique`},
		{"callback name with a slash", func(_ *Dashboard, c *Content) { c.Callbacks[0].Name = "a/b" }, `callback name "a/b" must be unique, not empty and without /`},
		{"empty callback name", func(_ *Dashboard, c *Content) { c.Callbacks[0].Name = "" }, `callback name "" must be unique, not empty`},
		{"failing Build", func(d *Dashboard, _ *Content) {
			d.Build = func() (Content, error) { return Content{}, errors.New("no data") }
		}, "no data"},
		{"panicking Build", func(d *Dashboard, _ *Content) {
			d.Build = func() (Content, error) { panic("bug") }
		}, "Build panicked: bug"},
		{"no Build", func(d *Dashboard, _ *Content) { d.Build = nil }, "needs a Path under /apps/, a Title, a Description and a Build"},
		{"uneven slider marks", func(_ *Dashboard, c *Content) {
			c.Layout = append(c.Layout, &Slider{ID: "s", Min: 0, Max: 10, Step: 1, Marks: []Mark{{0, "0"}, {3, "3"}, {10, "10"}}})
		}, "marks must be evenly spaced"},
		{"chart ID mismatch", func(_ *Dashboard, c *Content) {
			c.Layout = append(c.Layout, &Graph{ID: "g", Figure: NewBar("other")})
		}, "its go-echarts ChartID differs"},
		{"path outside /apps/", func(d *Dashboard, _ *Content) { d.Path = "/x" }, "needs a Path under /apps/"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			content := Content{
				Layout:    []Component{&TextInput{ID: "in"}, &TextOutput{ID: "out"}},
				Callbacks: []Callback{{Name: "echo", Inputs: []string{"in"}, Func: echo}},
			}
			d := Dashboard{
				Path: "/apps/test", Title: "Test", Description: "A test.",
				Build: func() (Content, error) { return content, nil },
			}
			c.prepare(&d, &content)
			_, err := New(Options{AssetURL: func(name string) (string, error) { return "/static/" + name, nil }, Dashboards: []Dashboard{d}})
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), d.Path) {
				t.Errorf("error %v, want one naming %s and saying %q", err, d.Path, c.want)
			}
		})
	}
}

// TestNewNeedsDashboards: the framework has no dashboards of its own, so
// a server given none is a wiring mistake that stops New.
func TestNewNeedsDashboards(t *testing.T) {
	_, err := New(Options{AssetURL: func(name string) (string, error) { return "/static/" + name, nil }})
	if err == nil || !strings.Contains(err.Error(), "Options.Dashboards is empty") {
		t.Errorf("New without dashboards: %v", err)
	}
}

func TestNewNeedsVendoredAssets(t *testing.T) {
	_, err := New(Options{AssetURL: func(name string) (string, error) {
		if strings.HasPrefix(name, "vendor/") {
			return "", fmt.Errorf("static: no embedded asset %q", name)
		}
		return "/static/" + name, nil
	}, Dashboards: testDashboards()})
	if err == nil || !strings.Contains(err.Error(), "make generate") {
		t.Errorf("error %v, want one saying to build with make", err)
	}
}
