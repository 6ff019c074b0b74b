package main

import (
	"math"
	"testing"
)

func TestMemoryLimit(t *testing.T) {
	for _, tc := range []struct {
		env       map[string]string
		wantLimit int64
		wantSet   bool
	}{
		{nil, 384 << 20, true},
		{map[string]string{"GOMEMLIMIT": "1GiB"}, 0, false},
		{map[string]string{"GOMEMLIMIT": "off"}, 0, false},
		{map[string]string{"DASHBOX_GOMEMLIMIT": "1GiB"}, 384 << 20, true},
	} {
		limit, set := memoryLimit(func(k string) string { return tc.env[k] })
		if limit != tc.wantLimit || set != tc.wantSet {
			t.Errorf("env %v: memoryLimit = %d, %v; want %d, %v", tc.env, limit, set, tc.wantLimit, tc.wantSet)
		}
	}
}

func TestFormatMemoryLimit(t *testing.T) {
	for n, want := range map[int64]string{384 << 20: "384 MiB", math.MaxInt64: "off", 1000: "1000 bytes"} {
		if got := formatMemoryLimit(n); got != want {
			t.Errorf("formatMemoryLimit(%d) = %q, want %q", n, got, want)
		}
	}
}
