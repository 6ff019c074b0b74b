package byteranges

import (
	"fmt"
	"strings"
	"testing"
)

// ranges returns a Range value of n one-byte ranges: bytes=0-0,2-2,...
func ranges(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprintf("%d-%d", 2*i, 2*i)
	}
	return "bytes=" + strings.Join(parts, ",")
}

func TestTooManyRanges(t *testing.T) {
	for v, want := range map[string]bool{
		ranges(16):                             false,
		ranges(17):                             true,
		ranges(16) + ",,, ,":                   false, // blanks count for nothing, as in ServeContent
		"bytes=0-1" + strings.Repeat(",", 100): false,
		"":                                     false,
		"bytes=" + strings.Repeat("0-1, ", 17): true,
	} {
		if got := tooManyRanges(v); got != want {
			t.Errorf("tooManyRanges(%.40q...) = %v, want %v", v, got, want)
		}
	}
}
