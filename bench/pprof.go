package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"time"

	"github.com/dashbox/dashbox/internal/atomicfile"
	"github.com/dashbox/dashbox/internal/pprofserve"
)

// With -pprof, the Go servers built with `-tags pprof` serve Go's
// profiling handlers on pprofserve.AddrEnv, and one measured run of every
// figure is profiled: the CPU profile covers that run's steady state and is
// written as <server>-<figure>.pprof, for `go tool pprof`.

// profileStart is how long into a run the profile starts: after the load
// generator has connected and the server's buffers have grown.
const profileStart = 500 * time.Millisecond

// pprofBuild says how to build each profiled server so that it serves
// pprof.
var pprofBuild = map[string]string{
	"dashbox": "CGO_ENABLED=0 go build -trimpath -tags pprof -o bin/dashbox-pprof ./cmd/dashbox` and give -dashbox bin/dashbox-pprof",
	"gofs":    "go build -tags pprof -o bin/bench-fileserver-pprof ./bench/fileserver` and give -fileserver bin/bench-fileserver-pprof",
}

// profiles reports whether the server named name is profiled with -pprof:
// the Go servers that dashbox-bench can build, not nginx or Caddy.
func profiles(name string) bool { return pprofBuild[name] != "" }

// profileSeconds is the length of a run's profile, in the whole seconds
// pprof takes: the run less profileStart at the start and at least as much
// at the end, so that it sees neither the connections opening nor the load
// ending. Zero means the runs are too short to profile.
func profileSeconds(run time.Duration) int {
	return int((run - 2*profileStart) / time.Second)
}

// checkPprof makes sure that s, just started with pprofserve.AddrEnv set, serves
// the profiles: a build without the pprof tag ignores the variable.
func checkPprof(ctx context.Context, s *server) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := pprofGet(ctx, s.pprofAddr, "/debug/pprof/cmdline")
	if err != nil {
		return fmt.Errorf("%s (%s) serves no pprof on %s=%s (%v): build it with `%s",
			s.kind.Name, s.setup.Binary, pprofserve.AddrEnv, s.pprofAddr, err, pprofBuild[s.kind.Name])
	}
	return nil
}

// pprofGet fetches path from a pprof server and checks that it answered 200.
func pprofGet(ctx context.Context, addr, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+path, nil)
	if err != nil {
		return nil, err
	}
	// A transport of its own: no connection is kept for later.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", path, resp.Status, bytes.TrimSpace(b))
	}
	return b, nil
}

// profiled wraps one measured run's load so that its first call is
// profiled (measureQuiet may call it again for a quieter run; those go
// unprofiled). Servers not profiled get load itself.
func (h *harness) profiled(ctx context.Context, s *server, figure string, load func() (loadResult, error)) func() (loadResult, error) {
	if s.pprofAddr == "" {
		return load
	}
	done := false
	return func() (loadResult, error) {
		if done {
			return load()
		}
		done = true
		pctx, cancel := context.WithCancel(ctx)
		defer cancel()
		errc := make(chan error, 1)
		go func() { errc <- h.fetchProfile(pctx, s, figure) }()
		r, err := load()
		if err != nil {
			cancel()
			<-errc
			return r, err
		}
		// The profile ends before the run does; this waits only for its
		// transfer.
		if err := <-errc; err != nil {
			return r, fmt.Errorf("CPU profile: %w", err)
		}
		return r, nil
	}
}

// fetchProfile waits profileStart, takes a CPU profile of s for
// profileSeconds of the run and writes it to the -pprof folder, whole or
// not at all.
func (h *harness) fetchProfile(ctx context.Context, s *server, figure string) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(profileStart):
	}
	secs := profileSeconds(h.cfg.duration)
	b, err := pprofGet(ctx, s.pprofAddr, "/debug/pprof/profile?seconds="+strconv.Itoa(secs))
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(b, []byte{0x1f, 0x8b}) {
		return fmt.Errorf("%s answered something other than a profile (%d bytes)", s.kind.Name, len(b))
	}
	path := filepath.Join(h.cfg.pprofDir, s.kind.Name+"-"+figure+".pprof")
	if err := atomicfile.WriteFile(path, b, 0o644); err != nil {
		return err
	}
	h.logf("%-8s %s: CPU profile of %d s written to %s", s.kind.Name, figure, secs, path)
	return nil
}
