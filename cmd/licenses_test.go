package cmd

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/dashbox/dashbox/notices"
)

// TestLicensesPrintsNotices: the licences users must receive with the binary
// are in it, with the versions compiled in.
func TestLicensesPrintsNotices(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"dashbox", "licenses"}, noEnv, &stdout, &stderr)
	if errors.Is(err, notices.ErrNotGenerated) {
		t.Fatal("the notices were not generated: run make generate (go generate ./notices) before go test")
	}
	if err != nil {
		t.Fatal(err)
	}
	out := stdout.String()

	// A test binary of a package that is not main records no module
	// versions: read them from the dashbox binary itself.
	bi, err := buildinfo.ReadFile(mustBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	// Modules compiled into dashbox, each with its licence text (a phrase of
	// it) under a heading with the exact version.
	want := map[string]string{
		"github.com/caddyserver/certmagic":    "Apache License",
		"github.com/go-chi/chi/v5":            "Permission is hereby granted",
		"github.com/go-echarts/go-echarts/v2": "MIT License",
	}
	found := map[string]bool{}
	for _, dep := range bi.Deps {
		phrase, ok := want[dep.Path]
		if !ok {
			continue
		}
		found[dep.Path] = true
		heading := notices.ModuleHeading(dep.Path, dep.Version)
		i := strings.Index(out, heading)
		if i < 0 {
			t.Errorf("no notice for %s %s", dep.Path, dep.Version)
			continue
		}
		if !strings.Contains(out[i:min(len(out), i+3000)], phrase) {
			t.Errorf("%s: its licence text (%q) does not follow its heading", dep.Path, phrase)
		}
	}
	for path := range want {
		if !found[path] {
			t.Errorf("%s is not compiled into dashbox any more: update this test", path)
		}
	}
	if !strings.Contains(out, notices.GoHeading(bi.GoVersion)+"LICENSE") {
		t.Errorf("no Go licence for %s", bi.GoVersion)
	}

	// ECharts is served from the binary once make has vendored it; its
	// NOTICE must then be printed too (Apache-2.0, section 4(d)).
	if version := lockedNPMVersion(t, "echarts"); version != "" {
		for _, f := range []string{"LICENSE", "NOTICE"} {
			if !strings.Contains(out, notices.NPMHeading("echarts", version)+f) {
				t.Errorf("no ECharts %s %s", version, f)
			}
		}
		if !strings.Contains(out, "Apache ECharts\nCopyright") {
			t.Error("ECharts' NOTICE text is missing")
		}
	}
	if stderr.Len() > 0 {
		t.Errorf("stderr: %s", stderr.String())
	}
}

// lockedNPMVersion is the version of an npm package in package-lock.json,
// or "" when the project has no such package.
func lockedNPMVersion(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile("../package-lock.json")
	if os.IsNotExist(err) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	var lock struct {
		Packages map[string]struct{ Version string } `json:"packages"`
	}
	if err := json.Unmarshal(data, &lock); err != nil {
		t.Fatal(err)
	}
	return lock.Packages["node_modules/"+name].Version
}

func TestLicensesUsage(t *testing.T) {
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"dashbox", "licenses", "--help"}, noEnv, &stdout, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "THIRD_PARTY_NOTICES.txt") {
		t.Errorf("help: %s", stdout.String())
	}
	var help bytes.Buffer
	if err := run(context.Background(), []string{"dashbox", "--help"}, noEnv, &help, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(help.String(), "\n  licenses ") {
		t.Errorf("dashbox --help does not list licenses:\n%s", help.String())
	}
	err := run(context.Background(), []string{"dashbox", "licenses", "extra"}, noEnv, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || exitCode(err) != 2 {
		t.Errorf("extra argument: err = %v", err)
	}
}
