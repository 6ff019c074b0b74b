package atomicfile_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/dashbox/dashbox/internal/atomicfile"
)

func ExampleWriteFile() {
	dir, err := os.MkdirTemp("", "atomicfile-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "dashbox.service")

	// A reader opening path at any moment sees v1 or v2, never a mix.
	for _, content := range []string{"v1\n", "v2\n"} {
		if err := atomicfile.WriteFile(path, []byte(content), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s%v\n", b, fi.Mode().Perm())
	// Output:
	// v2
	// -rw-r--r--
}
