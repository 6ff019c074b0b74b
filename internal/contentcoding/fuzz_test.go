package contentcoding

import (
	"strings"
	"testing"
)

// FuzzAcceptEncoding: any Accept-Encoding header (lines separated by \n)
// parses without panicking into weights from 0 to 1000, and the choice is
// a coding the response has and the client accepts, with no better one left.
func FuzzAcceptEncoding(f *testing.F) {
	for _, seed := range []string{
		"", "br", "gzip", "gzip, deflate, br, zstd", "br;q=0.5, gzip;q=0.9", "identity, gzip;q=0.5",
		"*", "*;q=0", "br;q=0, *", "x-gzip", "GZIP;Q=1.000", "br;q=1.0001", "br;q=0.", "gzip;q=2",
		"br ; q = 0.3 ,gzip", "gzip\nbr;q=0.1", ",,,;;;==", "identity;q=0, *;q=0",
	} {
		f.Add(seed, true, true)
	}
	f.Fuzz(func(t *testing.T, header string, haveBr, haveGzip bool) {
		ac := Parse(strings.Split(header, "\n"))
		for name, q := range map[string]int{"br": ac.br, "gzip": ac.gzip, "identity": ac.identity, "*": ac.star} {
			if q < -1 || q > 1000 {
				t.Fatalf("%q: weight of %s = %d, want -1 to 1000", header, name, q)
			}
		}
		have := [Count]bool{Brotli: haveBr, Gzip: haveGzip}
		c := ac.Choose(&have)
		if c == Identity {
			for d := Coding(0); d < Count; d++ {
				if have[d] && ac.Weight(d) > 0 && ac.Weight(d) >= ac.identity {
					t.Fatalf("%q with %v: identity chosen over coding %d (q %d, identity %d)", header, have, d, ac.Weight(d), ac.identity)
				}
			}
			return
		}
		if c < 0 || c >= Count || !have[c] || ac.Weight(c) == 0 {
			t.Fatalf("%q with %v: chose coding %d, which it lacks or the client refuses", header, have, c)
		}
		for d := Coding(0); d < Count; d++ {
			if have[d] && ac.Weight(d) > ac.Weight(c) {
				t.Fatalf("%q: chose coding %d (q %d) over coding %d (q %d)", header, c, ac.Weight(c), d, ac.Weight(d))
			}
		}
	})
}
