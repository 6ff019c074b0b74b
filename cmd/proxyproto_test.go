package cmd

import (
	"io"
	"strings"
	"testing"
)

func TestProxyProtocolFlag(t *testing.T) {
	env := map[string]string{"DASHBOX_PROXY_PROTOCOL": "10.0.0.5,10.1.0.0/16", "HOME": t.TempDir()}
	cfg, err := parseServe([]string{"--acme=false"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(cfg.proxySources); got != 2 || cfg.proxySources[0].String() != "10.0.0.5/32" || cfg.proxySources[1].String() != "10.1.0.0/16" {
		t.Errorf("DASHBOX_PROXY_PROTOCOL gave %v", cfg.proxySources)
	}
	cfg, err = parseServe([]string{"--proxy-protocol", "127.0.0.1", "--proxy-protocol", "::1"}, func(k string) string { return env[k] }, io.Discard)
	if err != nil || len(cfg.proxySources) != 2 {
		t.Fatalf("repeated --proxy-protocol: %v, %v", cfg, err)
	}
	_, err = parseServe([]string{"--proxy-protocol", "lb.example"}, func(k string) string { return env[k] }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "invalid --proxy-protocol") || !strings.Contains(err.Error(), "10.0.0.0/24") {
		t.Errorf("bad --proxy-protocol: %v; want an error naming the flag and an example", err)
	}
}
