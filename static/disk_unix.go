//go:build unix

package static

import (
	"os"
	"syscall"
)

// openFlags opens --static-dir files without blocking on FIFOs.
const openFlags = os.O_RDONLY | syscall.O_NONBLOCK
