package pages

import (
	"errors"
	"testing"
	"time"
)

// TestOnCallback: each callback a browser calls is reported once, with the
// dashboard's path and the callback's declared name; the initial run at
// build time is not.
func TestOnCallback(t *testing.T) {
	type call struct{ dashboard, callback string }
	var got []call
	p, err := New(Options{
		AssetURL:   func(name string) (string, error) { return "/static/" + name, nil },
		Dashboards: testDashboards(),
		OnCallback: func(d, c string, took time.Duration, err error) {
			if took <= 0 || err != nil {
				t.Errorf("reported took %v, err %v", took, err)
			}
			got = append(got, call{d, c})
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 0 {
		t.Fatalf("build's initial run was reported: %v", got)
	}
	if rec := post(t, newTestMux(p), "/apps/echo/callback/echo", form("in", "x")); rec.Code != 200 {
		t.Fatalf("callback: %d %s", rec.Code, rec.Body)
	}
	if len(got) != 1 || got[0] != (call{"/apps/echo", "echo"}) {
		t.Fatalf("reported %v, want one call of /apps/echo's echo", got)
	}
}

// TestObservedPanic: a panicking callback is reported as an error, and
// still turned into an error answer.
func TestObservedPanic(t *testing.T) {
	var reported error
	p := &Pages{onCallback: func(_, _ string, _ time.Duration, err error) { reported = err }}
	cb := p.observed("/apps/x", Callback{Name: "boom", Func: func(Inputs) (Outputs, error) { panic("bug") }})
	if _, err := runCallback(cb, Inputs{}); err == nil {
		t.Fatal("runCallback returned no error for a panic")
	}
	if !errors.Is(reported, errCallbackPanic) {
		t.Fatalf("reported %v, want errCallbackPanic", reported)
	}
}
