package notices

import (
	"errors"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
)

func TestUncovered(t *testing.T) {
	text := []byte("THIRD-PARTY SOFTWARE NOTICES\n\n" +
		"====\n" + GoHeading("go1.26.8") + "LICENSE\n====\n\nBSD\n" +
		"====\n" + ModuleHeading("github.com/go-chi/chi/v5", "v5.5.0") + "LICENSE\n====\n\nMIT\n")
	tests := []struct {
		name string
		bi   debug.BuildInfo
		want []string
	}{
		{
			name: "all covered",
			bi:   debug.BuildInfo{GoVersion: "go1.26.8", Deps: []*debug.Module{{Path: "github.com/go-chi/chi/v5", Version: "v5.5.0"}}},
		},
		{
			name: "another Go",
			bi:   debug.BuildInfo{GoVersion: "go1.27.0"},
			want: []string{"go1.27.0"},
		},
		{
			name: "another version of a module",
			bi:   debug.BuildInfo{GoVersion: "go1.26.8", Deps: []*debug.Module{{Path: "github.com/go-chi/chi/v5", Version: "v5.6.0"}}},
			want: []string{"github.com/go-chi/chi/v5 v5.6.0"},
		},
		{
			name: "a module whose path is a prefix of a covered one",
			bi:   debug.BuildInfo{GoVersion: "go1.26.8", Deps: []*debug.Module{{Path: "github.com/go-chi/chi", Version: "v5.5.0"}}},
			want: []string{"github.com/go-chi/chi v5.5.0"},
		},
		{
			name: "a module only named in a licence text",
			bi:   debug.BuildInfo{GoVersion: "go1.26.8", Deps: []*debug.Module{{Path: "MIT", Version: ""}}},
			want: []string{"MIT "},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Uncovered(text, &tt.bi); !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestTextAsGenerated checks the generated notices that make embeds.
func TestTextAsGenerated(t *testing.T) {
	text, err := Text()
	if errors.Is(err, ErrNotGenerated) {
		t.Skip("notices not generated: run go generate ./notices (make does)")
	}
	if err != nil {
		t.Fatal(err)
	}
	s := string(text)
	if !strings.HasPrefix(s, "THIRD-PARTY SOFTWARE NOTICES FOR DASHBOX\n") {
		t.Errorf("unexpected start: %.80q", s)
	}
	if !strings.Contains(s, "\n"+GoHeading(runtime.Version())+"LICENSE\n") {
		t.Errorf("no licence for %s, the Go this test runs with", runtime.Version())
	}
}
