package main

import (
	"math/rand/v2"
	"os"
	"path/filepath"
)

// corpusFile is one file every server serves at /static/<Name>.
type corpusFile struct {
	Name string
	Size int
}

// corpus is what the issue measures: a small asset, two mid-sized ones and a
// 1 MiB script-sized one.
var corpus = []corpusFile{
	{"1k.bin", 1 << 10},
	{"16k.bin", 16 << 10},
	{"100k.bin", 100 << 10},
	{"1m.bin", 1 << 20},
}

// writeCorpus writes the files into root/static/, world-readable so that
// nginx's unprivileged worker can read them. The content is random so no
// layer can shortcut it, and .bin so that no server compresses it.
func writeCorpus(root string) error {
	dir := filepath.Join(root, "static")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	rng := rand.NewChaCha8([32]byte{'d', 'a', 's', 'h', 'b', 'o', 'x'})
	for _, f := range corpus {
		data := make([]byte, f.Size)
		rng.Read(data)
		if err := os.WriteFile(filepath.Join(dir, f.Name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
