// Package docs holds dashbox's manuals (the Markdown files beside this
// one) and the test that keeps them, and README.md, honest: every relative
// link resolves and every Go block is code the build compiles.
package docs

import (
	"bufio"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// root is the repository, seen from this package's folder.
const root = ".."

// markdownFiles are the documents checked: the README and every docs/*.md.
func markdownFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("docs/ holds no Markdown file")
	}
	return append([]string{filepath.Join(root, "README.md")}, files...)
}

// doc is a Markdown file split into what the checks need.
type doc struct {
	path    string
	anchors map[string]bool
	links   []link
	goCode  []codeBlock
}

// link is a Markdown link's target and the line it is on.
type link struct {
	line   int
	target string
}

// codeBlock is a fenced block's text and the line of its opening fence.
type codeBlock struct {
	line int
	text string
}

var (
	linkRE     = regexp.MustCompile(`\]\(([^)\s]+)\)`)
	codeSpanRE = regexp.MustCompile("`[^`]*`")
)

// parseDoc reads path's headings (as GitHub anchors), its links outside
// code, and its ```go blocks.
func parseDoc(t *testing.T, path string) doc {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d := doc{path: path, anchors: map[string]bool{}}
	seen := map[string]int{}
	var fence string // the open fence's info string ("" = none open)
	var block strings.Builder
	blockLine := 0
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if fence != "" {
			if trimmed == "```" {
				if fence == "go" {
					d.goCode = append(d.goCode, codeBlock{line: blockLine, text: block.String()})
				}
				fence = ""
				continue
			}
			block.WriteString(line + "\n")
			continue
		}
		if strings.HasPrefix(trimmed, "```") {
			fence = strings.TrimPrefix(trimmed, "```")
			if fence == "" {
				fence = "text"
			}
			block.Reset()
			blockLine = n
			continue
		}
		if strings.HasPrefix(line, "    ") { // an indented code block
			continue
		}
		if h, ok := heading(line); ok {
			a := anchor(h)
			if k := seen[a]; k > 0 {
				d.anchors[a+"-"+strconv.Itoa(k)] = true
			} else {
				d.anchors[a] = true
			}
			seen[a]++
		}
		for _, m := range linkRE.FindAllStringSubmatch(codeSpanRE.ReplaceAllString(line, ""), -1) {
			d.links = append(d.links, link{line: n, target: m[1]})
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if fence != "" {
		t.Errorf("%s: the code block opened on line %d is never closed", path, blockLine)
	}
	return d
}

// heading returns an ATX heading's text.
func heading(line string) (string, bool) {
	level := len(line) - len(strings.TrimLeft(line, "#"))
	if level == 0 || level > 6 || !strings.HasPrefix(line[level:], " ") {
		return "", false
	}
	return strings.TrimSpace(line[level:]), true
}

// anchor is GitHub's anchor for a heading: lower case, spaces to '-',
// every other character but letters, digits, '-' and '_' dropped.
func anchor(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

func TestAnchor(t *testing.T) {
	for h, want := range map[string]string{
		"How it works: dashbox callbacks":              "how-it-works-dashbox-callbacks",
		"Production: Let's Encrypt":                    "production-lets-encrypt",
		"`dashbox serve`":                              "dashbox-serve",
		"Networks: `--allow`":                          "networks---allow",
		"Set-up (a fresh Debian machine with Go 1.26)": "set-up-a-fresh-debian-machine-with-go-126",
	} {
		if got := anchor(h); got != want {
			t.Errorf("anchor(%q) = %q, want %q", h, got, want)
		}
	}
}

// TestLinks: every relative link of the README and docs/ names a file that
// exists and, into a Markdown file, a heading it has.
func TestLinks(t *testing.T) {
	docs := map[string]doc{}
	paths := markdownFiles(t)
	for _, p := range paths {
		docs[filepath.Clean(p)] = parseDoc(t, p)
	}
	checked := 0
	for _, p := range paths {
		d := docs[filepath.Clean(p)]
		for _, l := range d.links {
			if strings.Contains(l.target, "://") || strings.HasPrefix(l.target, "mailto:") {
				continue
			}
			file, frag, _ := strings.Cut(l.target, "#")
			target := filepath.Clean(p)
			if file != "" {
				target = filepath.Clean(filepath.Join(filepath.Dir(p), file))
			}
			checked++
			if _, err := os.Stat(target); err != nil {
				t.Errorf("%s:%d: link %s: no file %s", p, l.line, l.target, target)
				continue
			}
			if frag == "" || !strings.HasSuffix(target, ".md") {
				continue
			}
			td, ok := docs[target]
			if !ok {
				td = parseDoc(t, target)
				docs[target] = td
			}
			if !td.anchors[frag] {
				t.Errorf("%s:%d: link %s: %s has no heading with anchor #%s", p, l.line, l.target, target, frag)
			}
		}
	}
	if checked == 0 {
		t.Error("no relative link found: the parser is broken")
	}
}

// TestGoBlocksAreCompiled: every ```go block of the README and docs/ is a
// Go file whose declarations, after its imports, stand verbatim in a .go
// file of the module that imports the same packages and has no build
// constraint, so go vet and go test compile what the manual shows. (pages'
// TestDocsExample and ExampleDashboard also run docs/dashboards.md's.)
func TestGoBlocksAreCompiled(t *testing.T) {
	sources := goSources(t)
	blocks := 0
	for _, p := range markdownFiles(t) {
		for _, b := range parseDoc(t, p).goCode {
			blocks++
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, "block.go", b.text, parser.ImportsOnly)
			if err != nil {
				t.Errorf("%s:%d: the Go block is not a whole Go file (package clause, imports, declarations): %v", p, b.line, err)
				continue
			}
			var imports []string
			for _, s := range f.Imports {
				imports = append(imports, s.Path.Value)
			}
			// The declarations: everything after the last import (or the
			// package clause), blank lines trimmed.
			end := fset.Position(f.Name.End()).Offset
			if len(f.Decls) > 0 {
				end = fset.Position(f.Decls[len(f.Decls)-1].End()).Offset
			}
			decls := strings.TrimSpace(b.text[end:])
			if decls == "" {
				t.Errorf("%s:%d: the Go block declares nothing", p, b.line)
				continue
			}
			found := ""
			for path, src := range sources {
				if strings.Contains(src, "\n"+decls+"\n") && importsAll(src, imports) {
					found = path
					break
				}
			}
			if found == "" {
				t.Errorf("%s:%d: the Go block's declarations are in no compiled .go file of the module (importing %v): "+
					"copy them from the code a test compiles, or add them to one\n%s", p, b.line, imports, decls)
			} else {
				t.Logf("%s:%d: compiled as part of %s", p, b.line, found)
			}
		}
	}
	if blocks == 0 {
		t.Error("no Go block found in the README or docs/: docs/dashboards.md shows one")
	}
}

// goSources reads every .go file of the module that the go command builds
// without build tags: not under testdata, vendor-like or hidden folders,
// not docs/, and with no //go:build line.
func goSources(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") ||
				slices.Contains([]string{"testdata", "node_modules", "docs", "bin", "dist"}, name)) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.Contains(string(b), "\n//go:build ") || strings.HasPrefix(string(b), "//go:build ") {
			return nil
		}
		out[path] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// importsAll reports whether src's import declarations name every path.
func importsAll(src string, paths []string) bool {
	f, err := parser.ParseFile(token.NewFileSet(), "src.go", src, parser.ImportsOnly)
	if err != nil {
		return false
	}
	for _, want := range paths {
		if !slices.ContainsFunc(f.Imports, func(s *ast.ImportSpec) bool { return s.Path.Value == want }) {
			return false
		}
	}
	return true
}
