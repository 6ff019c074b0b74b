package doctor

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"time"
)

// checkVersion compares the version of the binary the installed unit runs
// with this one's.
func checkVersion(ctx context.Context, cfg Config, env Env) []Result {
	if cfg.InstalledBinary == "" {
		return nil
	}
	r := Result{Check: "installed binary " + cfg.InstalledBinary}
	if _, err := os.Stat(cfg.InstalledBinary); errors.Is(err, fs.ErrNotExist) {
		r.Status, r.Message = Fail, "the unit runs it, and it does not exist"
		r.Fix = "install again: sudo dashbox service install with the flags wanted"
		return []Result{r}
	}
	installed, err := env.BinaryVersion(ctx, cfg.InstalledBinary)
	switch {
	case err != nil:
		r.Status, r.Message = Warn, "cannot tell its version: "+err.Error()
	case installed != cfg.RunningVersion:
		r.Status, r.Message = Warn, fmt.Sprintf("is version %s; this dashbox is %s", installed, cfg.RunningVersion)
		r.Fix = "to run this one, install it: sudo ./dashbox service install with the same flags"
	default:
		r.Message = "is version " + installed + ", as this one"
	}
	return []Result{r}
}

// binaryVersion runs 'BINARY version' and reads the first line, "dashbox
// VERSION".
func binaryVersion(ctx context.Context, binary string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, binary, "version").Output()
	if err != nil {
		return "", err
	}
	line, _ := bufio.NewReader(bytes.NewReader(out)).ReadString('\n')
	v, ok := strings.CutPrefix(strings.TrimSpace(line), "dashbox ")
	if !ok || v == "" {
		return "", fmt.Errorf("unexpected output %q", strings.TrimSpace(line))
	}
	return v, nil
}
