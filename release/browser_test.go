//go:build airgap && linux

package main

import (
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// pageRecorder collects what the browser reports, from chromedp's event
// loop, for the test goroutine to read.
type pageRecorder struct {
	mu        sync.Mutex
	changed   chan struct{} // closed and replaced on every event
	requests  []browserRequest
	urls      map[network.RequestID]string
	lifecycle map[cdp.LoaderID][]string // lifecycle event names by loader
	documents map[cdp.LoaderID]int64    // HTTP status of each loader's document
	problems  []string                  // failed requests, error statuses, errors on the console
	current   string                    // the page being loaded, for messages
	loaderOf  map[network.RequestID]cdp.LoaderID
}

func newPageRecorder() *pageRecorder {
	return &pageRecorder{
		changed:   make(chan struct{}),
		urls:      map[network.RequestID]string{},
		lifecycle: map[cdp.LoaderID][]string{},
		documents: map[cdp.LoaderID]int64{},
		loaderOf:  map[network.RequestID]cdp.LoaderID{},
	}
}

// handle runs in chromedp's event loop: it only records.
func (r *pageRecorder) handle(ev any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		r.requests = append(r.requests, browserRequest{page: r.current, url: ev.Request.URL})
		r.urls[ev.RequestID] = ev.Request.URL
		r.loaderOf[ev.RequestID] = ev.LoaderID
	case *network.EventResponseReceived:
		if ev.Type == network.ResourceTypeDocument {
			r.documents[ev.LoaderID] = ev.Response.Status
		}
		// Chromium asks for /favicon.ico by itself on pages that name no
		// icon, such as JSON; a 404 there is no fault of the page.
		if ev.Response.Status >= 400 && !strings.HasSuffix(ev.Response.URL, "/favicon.ico") {
			r.problems = append(r.problems, fmt.Sprintf("%s: %s answered %d", r.current, ev.Response.URL, ev.Response.Status))
		}
	case *network.EventLoadingFailed:
		if ev.Canceled && ev.BlockedReason == "" {
			break // a navigation away, not a failure of the page
		}
		r.problems = append(r.problems, fmt.Sprintf("%s: loading %s failed: %s %s", r.current, r.urls[ev.RequestID], ev.ErrorText, ev.BlockedReason))
	case *page.EventLifecycleEvent:
		r.lifecycle[ev.LoaderID] = append(r.lifecycle[ev.LoaderID], ev.Name)
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			text += " " + d.Exception.Description
		}
		r.problems = append(r.problems, fmt.Sprintf("%s: exception at %s:%d: %s", r.current, d.URL, d.LineNumber+1, text))
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError {
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value))
			}
			r.problems = append(r.problems, fmt.Sprintf("%s: console.error %s", r.current, strings.Join(args, " ")))
		}
	case *log.EventEntryAdded:
		// Content-Security-Policy violations and blocked requests land here.
		if ev.Entry.Level == log.EntryLevelError && !strings.HasSuffix(ev.Entry.URL, "/favicon.ico") {
			r.problems = append(r.problems, fmt.Sprintf("%s: %s: %s %s", r.current, ev.Entry.Source, ev.Entry.Text, ev.Entry.URL))
		}
	default:
		return
	}
	close(r.changed)
	r.changed = make(chan struct{})
}

// waitLoaded waits until the document of loader has fired load and the
// browser has seen no network activity for half a second (Chromium's own
// networkIdle lifecycle event), so late requests of the page are recorded
// too. It returns the document's HTTP status.
func (r *pageRecorder) waitLoaded(ctx context.Context, loader cdp.LoaderID) (int64, error) {
	for {
		r.mu.Lock()
		names := r.lifecycle[loader]
		status := r.documents[loader]
		changed := r.changed
		r.mu.Unlock()
		if slices.Contains(names, "load") && slices.Contains(names, "networkIdle") {
			return status, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return 0, fmt.Errorf("waiting for load and networkIdle (seen %v): %w", names, ctx.Err())
		}
	}
}

// browserTabs is how many pages load at once: most of a page's time is
// spent waiting for networkIdle, so a few tabs cut the test's time even on
// two cores.
const browserTabs = 3

// browse loads origin's home page in headless Chromium, then every page it
// links under its own origin (except static files), and returns the pages
// loaded, every request they made and every problem seen.
func browse(t *testing.T, origin string) (visited []string, requests []browserRequest, problems []string) {
	t.Helper()
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium is not installed: run make test-deps")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
		// dashbox's certificate comes from its local CA or from the test's
		// own CA; which one is not what this test is about.
		chromedp.Flag("ignore-certificate-errors", true),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	browserCtx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()

	var recs []*pageRecorder
	var closeTabs []context.CancelFunc
	defer func() {
		for _, c := range closeTabs {
			c()
		}
	}()
	// newTab opens a tab in the browser (the first call starts it) with its
	// own recorder.
	newTab := func() (context.Context, *pageRecorder, error) {
		ctx := browserCtx
		if len(recs) > 0 {
			var cancelTab context.CancelFunc
			ctx, cancelTab = chromedp.NewContext(browserCtx)
			closeTabs = append(closeTabs, cancelTab)
		}
		rec := newPageRecorder()
		if err := chromedp.Listen(ctx, rec.handle); err != nil {
			return nil, nil, err
		}
		recs = append(recs, rec)
		return ctx, rec, nil
	}
	homeTab, homeRec, err := newTab()
	if err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	if err := loadPage(homeTab, homeRec, origin+"/"); err != nil {
		t.Fatal(err)
	}
	visited = append(visited, origin+"/")
	hrefs, err := chromedp.Run(homeTab, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("a[href]"), a => a.href)`))
	if err != nil {
		t.Fatal(err)
	}
	var pages []string
	for _, h := range hrefs {
		h, _, _ = strings.Cut(h, "#")
		if strings.HasPrefix(h, origin+"/") && h != origin+"/" && !strings.HasPrefix(h, origin+"/static/") && !slices.Contains(pages, h) {
			pages = append(pages, h)
		}
	}

	todo := make(chan string, len(pages))
	for _, p := range pages {
		todo <- p
	}
	close(todo)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range min(browserTabs, len(pages)) {
		tab, rec := homeTab, homeRec
		if i > 0 {
			if tab, rec, err = newTab(); err != nil {
				t.Fatalf("opening a tab: %v", err)
			}
		}
		wg.Go(func() {
			for url := range todo {
				err := loadPage(tab, rec, url)
				mu.Lock()
				if err != nil {
					t.Error(err)
				} else {
					visited = append(visited, url)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()

	for _, rec := range recs {
		rec.mu.Lock()
		requests = append(requests, rec.requests...)
		problems = append(problems, rec.problems...)
		rec.mu.Unlock()
	}
	return visited, requests, problems
}

// loadPage navigates the tab to url and waits until it has loaded and gone
// quiet; a status other than 200 is an error.
func loadPage(tab context.Context, rec *pageRecorder, url string) error {
	rec.mu.Lock()
	rec.current = url
	rec.mu.Unlock()
	ctx, cancel := context.WithTimeout(tab, time.Minute)
	defer cancel()
	res, err := chromedp.Call(ctx, page.Navigate, page.NavigateParams{URL: url})
	if err != nil {
		return fmt.Errorf("navigating to %s: %v", url, err)
	}
	if res.ErrorText != "" {
		return fmt.Errorf("navigating to %s: %s", url, res.ErrorText)
	}
	status, err := rec.waitLoaded(ctx, res.LoaderID)
	if err != nil {
		return fmt.Errorf("%s: %v", url, err)
	}
	if status != 200 {
		return fmt.Errorf("%s: status %d", url, status)
	}
	return nil
}
