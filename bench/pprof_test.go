package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestPprofFlag(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		wantOut string
		wantErr string
	}{
		{name: "results go to the profiles' folder", args: []string{"-pprof", "/tmp/p"}, wantOut: "/tmp/p"},
		{name: "unless -out is given", args: []string{"-pprof", "/tmp/p", "-out", "/tmp/o"}, wantOut: "/tmp/o"},
		{name: "without -pprof bench/out", args: nil, wantOut: "bench/out"},
		{name: "runs too short to profile", args: []string{"-pprof", "/tmp/p", "-duration", "1s"}, wantErr: "at least 2s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseFlags(tc.args, io.Discard)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.outDir != tc.wantOut {
				t.Errorf("-out = %q, want %q", c.outDir, tc.wantOut)
			}
		})
	}
}

func TestProfileSecondsLeavesOutStartAndEnd(t *testing.T) {
	for run, want := range map[time.Duration]int{5 * time.Second: 4, 2 * time.Second: 1, 1500 * time.Millisecond: 0, 10 * time.Second: 9} {
		got := profileSeconds(run)
		if got != want {
			t.Errorf("profileSeconds(%s) = %d, want %d", run, got, want)
		}
		if got > 0 && profileStart+time.Duration(got)*time.Second > run-profileStart {
			t.Errorf("a %d s profile starting %s into a %s run ends too late", got, profileStart, run)
		}
	}
}

// TestProfiledRun profiles a run against a stand-in pprof server: the
// profile is asked for the right length after the run started, written
// under <server>-<figure>.pprof, and only the first attempt is profiled.
func TestProfiledRun(t *testing.T) {
	var asked []string
	var mu sync.Mutex
	pp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked = append(asked, r.URL.RequestURI())
		mu.Unlock()
		w.Write([]byte{0x1f, 0x8b, 1, 2, 3})
	}))
	defer pp.Close()
	dir := t.TempDir()
	h := &harness{cfg: &config{pprofDir: dir, duration: 2 * time.Second}, stderr: io.Discard}
	s := &server{kind: dashboxKind, setup: &serverSetup{Binary: "bin/dashbox"}, pprofAddr: strings.TrimPrefix(pp.URL, "http://")}
	calls := 0
	load := h.profiled(context.Background(), s, "static_1k", func() (loadResult, error) {
		calls++
		return loadResult{Requests: 1}, nil
	})
	for range 2 {
		if _, err := load(); err != nil {
			t.Fatal(err)
		}
	}
	if calls != 2 {
		t.Errorf("load ran %d times, want 2", calls)
	}
	if want := []string{"/debug/pprof/profile?seconds=1"}; !slices.Equal(asked, want) {
		t.Errorf("pprof server was asked %q, want %q", asked, want)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "dashbox-static_1k.pprof")); err != nil || len(b) != 5 {
		t.Errorf("profile file: %d bytes, %v", len(b), err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("profile folder holds %d files, want only the profile", len(ents))
	}
}

// TestCheckPprofSaysHowToBuild: a dashbox that ignores DASHBOX_PPROF_ADDR
// (built without the tag) gets one line saying how to build it.
func TestCheckPprofSaysHowToBuild(t *testing.T) {
	port, err := freePort() // nothing listens there
	if err != nil {
		t.Fatal(err)
	}
	s := &server{kind: dashboxKind, setup: &serverSetup{Binary: "bin/dashbox"}, pprofAddr: "127.0.0.1:" + strconv.Itoa(port)}
	err = checkPprof(context.Background(), s)
	if err == nil || !strings.Contains(err.Error(), "go build -trimpath -tags pprof -o bin/dashbox-pprof ./cmd/dashbox") || strings.Contains(err.Error(), "\n") {
		t.Errorf("err = %v, want one line saying how to build a pprof dashbox", err)
	}
}
