package docs

import (
	"bufio"
	"bytes"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/dashbox/dashbox/"

// toolFolders hold programs and generators, not parts of the server: they
// may use any package but the command line and the demo.
var toolFolders = []string{"release", "bench", "notices"}

// TestImportGraph keeps the layout development.md describes, in what the
// go command builds (test files aside): the domain packages (server, tls,
// static, pages, service, auth and every folder added beside them) import
// only their own folder and internal/; the command line (cmd) wires them
// and never sees the demo; only cmd/dashbox imports the command line and
// the demo, so a module with its own dashboards gets none of the demo.
func TestImportGraph(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", root+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	packages := 0
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		pkg, ok := strings.CutPrefix(fields[0], module)
		if !ok {
			continue
		}
		packages++
		from := topFolder(pkg)
		for _, imp := range fields[1:] {
			dep, ok := strings.CutPrefix(imp, module)
			if !ok {
				continue
			}
			to := topFolder(dep)
			var why string
			switch {
			case dep == "pages/demo" || strings.HasPrefix(dep, "pages/demo/"):
				if pkg != "cmd/dashbox" && !strings.HasPrefix(pkg, "pages/demo") {
					why = "only cmd/dashbox serves the demo"
				}
			case dep == "cmd" || strings.HasPrefix(dep, "cmd/"):
				if pkg != "cmd/dashbox" {
					why = "nothing but cmd/dashbox imports the command line"
				}
			case from == to || to == "internal" || from == "cmd" || slices.Contains(toolFolders, from):
			default:
				why = "domain packages do not import each other: the command line wires them"
			}
			if why != "" {
				t.Errorf("%s imports %s: %s", pkg, dep, why)
			}
		}
	}
	if packages < 10 {
		t.Fatalf("go list found %d of dashbox's packages:\n%s", packages, out)
	}
}

// topFolder is a package path's first folder: "tls" for "tls/internal/x".
func topFolder(pkg string) string {
	top, _, _ := strings.Cut(pkg, "/")
	return top
}
