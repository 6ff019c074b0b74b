// Package byteranges makes a request's Range header safe to hand to
// http.ServeContent, which static's assets and pages' pre-rendered pages are
// both served with: it caps the number of ranges and makes zero-length
// suffix ranges unsatisfiable, as ServeContent does not.
package byteranges

import (
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
)

// Max caps the ranges of one Range request, as nginx's max_ranges and
// Apache's MaxRanges do. A request with more is served as if it had no Range
// header: 200 with the whole file (nginx's behaviour; a 416 would break a
// client that merely asked for too much at once). Without a cap, a request
// listing thousands of one-byte ranges makes a multipart response with a
// part header per range, many times the file's size; 16 covers any real
// client (browsers and media players ask for one range, download managers a
// few).
const Max = 16

// unsatisfiableRange stands in for a zero-length suffix range ("-0"): a
// start past the end of any file, which http.ServeContent skips as it
// should skip "-0" (RFC 9110 section 14.1.1: a suffix range is satisfiable
// only with a non-zero length), answering 416 with "Content-Range: bytes
// */size" when nothing else is left. ServeContent itself answers "-0" with
// a 206 whose Content-Range has its first byte after its last
// (golang/go#81262, open).
const unsatisfiableRange = "9223372036854775807-"

// Fix returns r, or a copy of it with its Range header dropped when that
// lists more than Max ranges, or with its zero-length suffix ranges made
// unsatisfiable ones. Only the first Range header counts: it
// is all ServeContent reads.
//
// Callers look the header up first, so requests without one (nearly all)
// pay nothing more.
func Fix(r *http.Request) *http.Request {
	v := r.Header["Range"]
	if len(v) == 0 {
		return r
	}
	if tooManyRanges(v[0]) {
		return withRange(r, "")
	}
	if fixed, changed := fixZeroSuffixes(v[0]); changed {
		return withRange(r, fixed)
	}
	return r
}

// withRange is a copy of r whose Range header is v, or absent when v is "".
func withRange(r *http.Request, v string) *http.Request {
	r2 := *r
	r2.Header = r.Header.Clone()
	if v == "" {
		delete(r2.Header, "Range")
	} else {
		r2.Header["Range"] = []string{v}
	}
	return &r2
}

// tooManyRanges reports whether a Range value lists more than Max
// ranges. It counts as ServeContent parses: non-empty, comma-separated
// elements; blanks between commas count for nothing.
func tooManyRanges(v string) bool {
	n := 0
	empty := true
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case ',':
			if !empty {
				n++
			}
			empty = true
		case ' ', '\t':
		default:
			empty = false
		}
	}
	if !empty {
		n++
	}
	return n > Max
}

// fixZeroSuffixes replaces each zero-length suffix range of a Range value
// ("-0", "- 00", "-+0": what ServeContent parses as a suffix of length 0)
// with unsatisfiableRange.
func fixZeroSuffixes(v string) (string, bool) {
	const b = "bytes="
	if !strings.HasPrefix(v, b) || !mayHaveZeroSuffix(v) {
		return v, false
	}
	specs := strings.Split(v[len(b):], ",")
	changed := false
	for i, spec := range specs {
		start, end, ok := strings.Cut(spec, "-")
		if !ok || textproto.TrimString(start) != "" {
			continue
		}
		end = textproto.TrimString(end)
		if n, err := strconv.ParseInt(end, 10, 64); err == nil && n == 0 && end != "" && end[0] != '-' {
			specs[i] = unsatisfiableRange
			changed = true
		}
	}
	if !changed {
		return v, false
	}
	return b + strings.Join(specs, ","), true
}

// mayHaveZeroSuffix is a quick test, without allocating, for fixZeroSuffixes:
// whether a '-' is followed, after blanks, by '0' or '+'.
func mayHaveZeroSuffix(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] != '-' {
			continue
		}
		j := i + 1
		for j < len(v) && (v[j] == ' ' || v[j] == '\t' || v[j] == '\n' || v[j] == '\r') {
			j++
		}
		if j < len(v) && (v[j] == '0' || v[j] == '+') {
			return true
		}
	}
	return false
}
