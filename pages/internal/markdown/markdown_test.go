package markdown

import "testing"

func TestToHTML(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"## Title\n\n*a* [b](/c)\n", "<h2>Title</h2>\n<p><em>a</em> <a href=\"/c\">b</a></p>\n"},
		// Pages are written by dashbox's developers, but raw HTML stays out
		// all the same: the page is Markdown only.
		{"<script>x</script>\n", "<!-- raw HTML omitted -->\n"},
	} {
		got, err := ToHTML([]byte(c.src))
		if err != nil || string(got) != c.want {
			t.Errorf("ToHTML(%q) = %q, %v; want %q", c.src, got, err, c.want)
		}
	}
}
