package service

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// UpgradeOptions are the inputs of Upgrade and Rollback.
type UpgradeOptions struct {
	// File is the new dashbox: the binary, or a release's .tar.gz. Upgrade
	// only.
	File string
	// SHA256Sums, when set, is a release's SHA256SUMS file that must list
	// File (by its base name) with its SHA-256. Upgrade only.
	SHA256Sums string
	// HealthAddr is the host:port the installed service serves HTTPS on,
	// as seen from this machine (such as 127.0.0.1:443): where /healthz
	// must answer, reporting the expected version. Required. The CLI,
	// which owns serve's flags, derives it from the installed unit.
	HealthAddr string
	// ServerName is the TLS server name to ask for (a --domain, or
	// localhost).
	ServerName string
	// Timeout bounds the wait for the restarted service to answer with its
	// version. Zero means DefaultUpgradeTimeout.
	Timeout time.Duration
}

// DefaultUpgradeTimeout is how long Upgrade waits for the new binary to
// answer /healthz with its version before it rolls back.
const DefaultUpgradeTimeout = 60 * time.Second

// previousSuffix names the kept binary: /usr/local/bin/dashbox.previous.
const previousSuffix = ".previous"

// UpgradeResult says what Upgrade or Rollback did.
type UpgradeResult struct {
	// From and To are the versions before and after.
	From, To string
	// RolledBack is true when the new binary failed and the previous one
	// was put back (Upgrade's error says why).
	RolledBack bool
}

// Upgrade replaces the installed dashbox binary with opts.File and restarts
// the service through its sockets, so that no connection is refused:
//
//   - before changing anything it checks opts.File against opts.SHA256Sums,
//     takes the binary out of a release archive, refuses one that is not a
//     Linux executable for this architecture, runs its `version` and its
//     `serve --check` with the installed unit's serve flags;
//   - it keeps the installed binary as <binary>.previous, and renames the
//     new one into place (atomic: the unit runs one or the other, whole);
//   - it restarts the service and waits until /healthz answers with the new
//     version; if that does not happen within opts.Timeout, it puts the
//     previous binary back, restarts it, waits for it, and returns an error
//     saying why (UpgradeResult.RolledBack).
//
// It prints each step and the versions to out.
func Upgrade(ctx context.Context, cfg Config, opts UpgradeOptions, out io.Writer) (UpgradeResult, error) {
	const command = "dashbox service upgrade"
	cfg, _, err := openInstalled(cfg, command)
	if err != nil {
		return UpgradeResult{}, err
	}
	installed, err := readInstalled(cfg)
	if err != nil {
		return UpgradeResult{}, err
	}
	if opts.SHA256Sums != "" {
		if err := verifySHA256Sums(opts.File, opts.SHA256Sums); err != nil {
			return UpgradeResult{}, err
		}
		fmt.Fprintf(out, "checked %s against %s\n", filepath.Base(opts.File), opts.SHA256Sums)
	}
	staged, err := stageBinary(opts.File, filepath.Dir(installed.binary))
	if err != nil {
		return UpgradeResult{}, err
	}
	defer os.Remove(staged) // once renamed into place, there is nothing to remove
	newVersion, err := binaryVersion(ctx, staged)
	if err != nil {
		return UpgradeResult{}, refuse("the new binary does not run: %v", err)
	}
	if err := serveCheck(ctx, cfg, staged, installed.serveArgs); err != nil {
		return UpgradeResult{}, refuse("the new binary (%s) refuses the installed configuration: %v", newVersion, err)
	}
	oldVersion, err := binaryVersion(ctx, installed.binary)
	if err != nil {
		oldVersion = "unknown"
	}
	fmt.Fprintf(out, "new binary: dashbox %s; serve --check passes with the installed flags\n", newVersion)

	res := UpgradeResult{From: oldVersion, To: newVersion}
	previous := installed.binary + previousSuffix
	if err := replaceWithLink(installed.binary, previous); err != nil {
		return res, fmt.Errorf("keeping the running binary as %s: %w", previous, err)
	}
	fmt.Fprintf(out, "kept dashbox %s as %s\n", oldVersion, previous)
	if err := os.Rename(staged, installed.binary); err != nil {
		return res, fmt.Errorf("putting the new binary in place: %w", err)
	}
	fmt.Fprintf(out, "installed dashbox %s as %s\n", newVersion, installed.binary)

	cause := restartAndWait(ctx, cfg, opts, newVersion, out)
	if cause == nil {
		fmt.Fprintf(out, "upgraded %s from dashbox %s to %s; 'dashbox service rollback' puts %s back\n", cfg.unitName(), oldVersion, newVersion, oldVersion)
		return res, nil
	}

	// Roll back: the previous binary, which served until a moment ago.
	fmt.Fprintf(out, "dashbox %s did not come up: %v\nrolling back to dashbox %s\n", newVersion, cause, oldVersion)
	journalTail(ctx, cfg.unitName(), out)
	res.RolledBack, res.To = true, oldVersion
	if err := replaceWithLink(previous, installed.binary); err != nil {
		return res, fmt.Errorf("upgrade to dashbox %s failed (%v), and putting %s back failed too: %w; copy it over %s by hand and run systemctl restart %s", newVersion, cause, previous, err, installed.binary, cfg.unitName())
	}
	if err := restartAndWait(ctx, cfg, opts, oldVersion, out); err != nil {
		return res, fmt.Errorf("upgrade to dashbox %s failed (%v), and the rolled-back dashbox %s does not answer either: %v; see journalctl -u %s", newVersion, cause, oldVersion, err, cfg.unitName())
	}
	fmt.Fprintf(out, "rolled back %s to dashbox %s, which serves again\n", cfg.unitName(), oldVersion)
	return res, fmt.Errorf("upgrade to dashbox %s failed and was rolled back to %s: %v", newVersion, oldVersion, cause)
}

// Rollback puts <binary>.previous (kept by Upgrade) back in place, keeping
// the binary it replaces as the new <binary>.previous (a second rollback
// undoes the first), restarts the service and waits for it to answer with
// the previous version. It prints what it did and the versions to out.
func Rollback(ctx context.Context, cfg Config, opts UpgradeOptions, out io.Writer) (UpgradeResult, error) {
	cfg, _, err := openInstalled(cfg, "dashbox service rollback")
	if err != nil {
		return UpgradeResult{}, err
	}
	installed, err := readInstalled(cfg)
	if err != nil {
		return UpgradeResult{}, err
	}
	previous := installed.binary + previousSuffix
	if _, err := os.Stat(previous); errors.Is(err, fs.ErrNotExist) {
		return UpgradeResult{}, fmt.Errorf("there is no %s to roll back to: only dashbox service upgrade keeps one", previous)
	}
	prevVersion, err := binaryVersion(ctx, previous)
	if err != nil {
		return UpgradeResult{}, fmt.Errorf("%s does not run (%v): not rolling back to it", previous, err)
	}
	curVersion, err := binaryVersion(ctx, installed.binary)
	if err != nil {
		curVersion = "unknown"
	}
	res := UpgradeResult{From: curVersion, To: prevVersion}
	// Swap: current -> .swap, previous -> binary, .swap -> previous; the
	// unit's binary is whole at every step.
	swap := installed.binary + ".rollback"
	if err := replaceWithLink(installed.binary, swap); err != nil {
		return res, fmt.Errorf("rolling back: %w", err)
	}
	if err := os.Rename(previous, installed.binary); err != nil {
		os.Remove(swap)
		return res, fmt.Errorf("rolling back: %w", err)
	}
	if err := os.Rename(swap, previous); err != nil {
		return res, fmt.Errorf("rolling back: keeping dashbox %s as %s: %w", curVersion, previous, err)
	}
	fmt.Fprintf(out, "put dashbox %s back as %s; kept dashbox %s as %s\n", prevVersion, installed.binary, curVersion, previous)
	if err := restartAndWait(ctx, cfg, opts, prevVersion, out); err != nil {
		journalTail(ctx, cfg.unitName(), out)
		return res, fmt.Errorf("rolled back to dashbox %s, but it does not answer: %v; 'dashbox service rollback' again returns to %s", prevVersion, err, curVersion)
	}
	fmt.Fprintf(out, "rolled back %s from dashbox %s to %s\n", cfg.unitName(), curVersion, prevVersion)
	return res, nil
}

// readInstalled reads the installed unit, or says it is not installed.
func readInstalled(cfg Config) (installedUnit, error) {
	installed, err := readInstalledUnit(unitPath(cfg))
	if errors.Is(err, fs.ErrNotExist) {
		return installed, fmt.Errorf("%s %w: install it first with sudo dashbox service install", cfg.unitName(), ErrNotInstalled)
	}
	return installed, err
}

// replaceWithLink makes dst the same file as src (a hard link, renamed
// over dst so that dst is never missing or partial), or a copy where links
// are not possible.
func replaceWithLink(src, dst string) error {
	tmp := dst + ".tmp"
	os.Remove(tmp)
	if err := os.Link(src, tmp); err != nil {
		b, rerr := os.ReadFile(src)
		if rerr != nil {
			return rerr
		}
		if err := os.WriteFile(tmp, b, 0o755); err != nil {
			os.Remove(tmp)
			return err
		}
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// binaryVersion runs `binary version` and returns the version from its
// first line ("dashbox v1.2.3").
func binaryVersion(ctx context.Context, binary string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "version")
	cmd.Env = []string{"PATH=/usr/bin:/bin"}
	b, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s version: %v: %s", binary, err, firstLine(strings.TrimSpace(string(b))))
	}
	v, ok := strings.CutPrefix(firstLine(string(b)), "dashbox ")
	if !ok || strings.TrimSpace(v) == "" {
		return "", fmt.Errorf("%s version printed %q, not a dashbox version", binary, firstLine(string(b)))
	}
	return strings.TrimSpace(v), nil
}

// serveCheck runs `binary serve --check` with the installed serve flags in
// the environment the service has (its state and logs directories).
func serveCheck(ctx context.Context, cfg Config, binary string, serveArgs []string) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, append(append([]string{"serve"}, serveArgs...), "--check")...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "STATE_DIRECTORY=" + cfg.stateDir(), "LOGS_DIRECTORY=" + cfg.logsDir()}
	b, err := cmd.CombinedOutput()
	if err != nil {
		msg := strings.TrimSpace(string(b))
		if msg == "" {
			msg = err.Error()
		}
		return fmt.Errorf("%s", strings.ReplaceAll(msg, "\n", "; "))
	}
	return nil
}

// restartAndWait restarts the service (its sockets stay open) and waits
// until /healthz answers with version, for at most opts.Timeout.
func restartAndWait(ctx context.Context, cfg Config, opts UpgradeOptions, version string, out io.Writer) error {
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultUpgradeTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	unit := cfg.unitName()
	systemctl(ctx, "reset-failed", unit)
	// A service that hit its start limit may have taken its sockets down
	// with it: they must listen for the restart to lose nothing.
	if sockets := cfg.installedSockets(); len(sockets) > 0 {
		systemctl(ctx, append([]string{"start"}, sockets...)...)
	}
	began := time.Now()
	if _, err := systemctl(ctx, "restart", unit); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("it did not report ready within %s", timeout)
		}
		return fmt.Errorf("it failed to start (%v)", err)
	}
	props, _ := showProperties(ctx, unit, "MainPID")
	err := waitHealthy(ctx, opts, version)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "restarted %s (main PID %s): /healthz answers with dashbox %s after %s\n", unit, props["MainPID"], version, time.Since(began).Round(time.Millisecond))
	return nil
}

// waitHealthy polls https://HealthAddr/healthz?details=1 until it answers
// 200 with version, or ctx ends. The probe runs on this machine, over
// loopback: it checks that the service answers, not its certificate (a
// public one may not name the loopback address), so it does not verify it.
func waitHealthy(ctx context.Context, opts UpgradeOptions, version string) error {
	tr := &http.Transport{
		TLSClientConfig:   &tls.Config{InsecureSkipVerify: true, ServerName: opts.ServerName},
		DisableKeepAlives: true,
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, opts.HealthAddr)
		},
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	host := opts.ServerName
	if host == "" {
		host = "localhost"
	}
	var last error
	for {
		got, err := healthVersion(ctx, client, "https://"+net.JoinHostPort(host, portOf(opts.HealthAddr))+"/healthz?details=1")
		switch {
		case err != nil:
			last = err
		case got != version:
			last = fmt.Errorf("/healthz reports dashbox %q, want %q", got, version)
		default:
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("no healthy answer with its version in time: %v", last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// healthVersion fetches /healthz?details=1 and returns the version it
// reports.
func healthVersion(ctx context.Context, client *http.Client, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("/healthz: %s", resp.Status)
	}
	var body struct {
		Version string `json:"version"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&body); err != nil {
		return "", fmt.Errorf("/healthz: %v", err)
	}
	return body.Version, nil
}

// portOf is the port of a host:port address.
func portOf(addr string) string {
	_, port, _ := net.SplitHostPort(addr)
	return port
}
