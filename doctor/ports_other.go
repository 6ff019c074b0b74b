//go:build !linux

package doctor

// portHolder is not known without Linux's /proc.
func portHolder(int) (process, bool) { return process{}, false }
