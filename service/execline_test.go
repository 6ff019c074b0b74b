package service

import (
	"strings"
	"testing"
)

func TestExecWordRoundTrip(t *testing.T) {
	args := []string{
		"serve", "--domain=dash.example.com", "--https-addr=[::1]:8443", "",
		"two words", `say "hi"`, `back\slash`, "100%", "%n", "$HOME", "${HOME}", "$$", "it's",
		"tab\there is refused elsewhere", "ünïcödé", "a;b", "--x=;", "{{Path}}", "}}",
	}
	var words []string
	for _, a := range args {
		if strings.ContainsRune(a, '\t') {
			continue
		}
		w, err := execWord(a)
		if err != nil {
			t.Fatalf("execWord(%q): %v", a, err)
		}
		words = append(words, w)
	}
	line := "/usr/local/bin/dashbox " + strings.Join(words, " ")
	got, err := splitExecLine(line)
	if err != nil {
		t.Fatalf("splitExecLine(%q): %v", line, err)
	}
	want := []string{"/usr/local/bin/dashbox"}
	for _, a := range args {
		if !strings.ContainsRune(a, '\t') {
			want = append(want, a)
		}
	}
	if strings.Join(got, "\x00") != strings.Join(want, "\x00") {
		t.Errorf("round trip of %s:\n got  %q\n want %q", line, got, want)
	}
}

func TestExecWordForms(t *testing.T) {
	tests := []struct{ arg, want string }{
		{"--domain=dash.example.com", "--domain=dash.example.com"},
		{"--https-addr=[::]:443", "--https-addr=[::]:443"},
		{"", `""`},
		{"a b", `"a b"`},
		{"100%", "100%%"},
		{"$HOME", "$$HOME"},
		{`a"b`, `"a\"b"`},
		{`a\b`, `"a\\b"`},
		{"it's", `"it's"`},
	}
	for _, tt := range tests {
		got, err := execWord(tt.arg)
		if err != nil || got != tt.want {
			t.Errorf("execWord(%q) = %q, %v; want %q", tt.arg, got, err, tt.want)
		}
	}
}

func TestExecWordRefuses(t *testing.T) {
	for _, arg := range []string{"a\nb", "a\rb", "a\tb", "a\x00b", "\x7f", "\xff", ";"} {
		if w, err := execWord(arg); err == nil {
			t.Errorf("execWord(%q) = %q, want an error", arg, w)
		}
	}
}

func TestSplitExecLineKardianosForms(t *testing.T) {
	// kardianos/service's cmdEscape writes spaces in the path as \x20 and
	// its cmd function double-quotes.
	got, err := splitExecLine(`/opt/my\x20app/dashbox "serve" "--domain=a.example"`)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/opt/my app/dashbox", "serve", "--domain=a.example"}
	if strings.Join(got, "\x00") != strings.Join(want, "\x00") {
		t.Errorf("got %q, want %q", got, want)
	}
	for _, bad := range []string{`a "b`, `a b\`, `a \x4`, `a \q`} {
		if w, err := splitExecLine(bad); err == nil {
			t.Errorf("splitExecLine(%q) = %q, want an error", bad, w)
		}
	}
}
