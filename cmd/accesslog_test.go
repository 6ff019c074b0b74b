package cmd

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestAccessLogReadByGoaccess: the access log is nginx's combined format as
// far as goaccess, the tool operators already point at nginx logs, can tell.
func TestAccessLogReadByGoaccess(t *testing.T) {
	goaccess, err := exec.LookPath("goaccess")
	if err != nil {
		t.Fatal("goaccess is not installed: run 'make test' (it installs it) or apt-get install goaccess")
	}
	logPath := filepath.Join(t.TempDir(), "access.log")
	d := mustStart(t, "--access-log", logPath)

	requests := 0
	do := func(method, url string, header ...string) {
		req, _ := http.NewRequest(method, url, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		resp, err := d.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		requests++
	}
	do("GET", d.url("/"))
	do("GET", d.url("/static/css/dashbox.css"), "Referer", d.url("/"), "User-Agent", `Mozilla/5.0 "quoted" \ agent`)
	do("HEAD", d.url("/healthz"))
	do("GET", d.url("/nope?q=%22x%22"))
	do("GET", d.url("/static/css/dashbox.css"), "If-None-Match", `"whatever"`, "User-Agent", "ünïcode/1.0")
	do("GET", "http://"+d.httpAddr+"/redirect/me?x=1")
	do("POST", d.url("/"))
	if err := d.stop(); err != nil {
		t.Fatal(err)
	}

	report := filepath.Join(t.TempDir(), "report.json")
	out, err := exec.Command(goaccess, logPath, "--log-format=COMBINED", "--no-global-config", "--no-progress", "-o", report).CombinedOutput()
	if err != nil {
		t.Fatalf("goaccess: %v\n%s", err, out)
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		General struct {
			Total  int `json:"total_requests"`
			Valid  int `json:"valid_requests"`
			Failed int `json:"failed_requests"`
		} `json:"general"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if r.General.Failed != 0 || r.General.Valid != requests {
		log, _ := os.ReadFile(logPath)
		t.Fatalf("goaccess: %d valid, %d failed of %d requests; log:\n%s", r.General.Valid, r.General.Failed, requests, log)
	}
}
