package cmd

import (
	"fmt"
	"math"
	"runtime/debug"
)

// defaultMemoryLimit is the soft memory limit serve sets when GOMEMLIMIT is
// not set: above it the Go runtime collects garbage harder (using up to half
// the CPU) instead of growing. Idle, dashbox holds about 15 MiB; a full
// HTTPS listener (--max-connections at its default) about 150 MiB more. The
// limit is soft, so a larger live heap still works, slower; the unit's
// MemoryMax= (512M) is the hard ceiling above it, with room for what the
// runtime does not count (the binary's pages, the kernel's socket buffers).
const defaultMemoryLimit = 384 << 20

// memoryLimit decides the soft memory limit serve sets: none when
// GOMEMLIMIT is in the environment (the runtime has read it already, and an
// administrator's value, "off" included, wins), else defaultMemoryLimit.
func memoryLimit(getenv func(string) string) (limit int64, set bool) {
	if getenv("GOMEMLIMIT") != "" {
		return 0, false
	}
	return defaultMemoryLimit, true
}

// applyMemoryLimit sets the limit memoryLimit decides, and returns the
// limit in effect and where it comes from as log attributes.
func applyMemoryLimit(getenv func(string) string) []any {
	source := "GOMEMLIMIT"
	if limit, set := memoryLimit(getenv); set {
		debug.SetMemoryLimit(limit)
		source = "default"
	}
	return []any{"limit", formatMemoryLimit(debug.SetMemoryLimit(-1)), "source", source}
}

// formatMemoryLimit writes a limit in MiB, or "off".
func formatMemoryLimit(n int64) string {
	if n == math.MaxInt64 {
		return "off"
	}
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
