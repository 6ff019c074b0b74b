//go:build !unix

package static

import "os"

// openFlags opens --static-dir files; there are no FIFOs to trip over in a
// folder here.
const openFlags = os.O_RDONLY
