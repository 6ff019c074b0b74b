package auth

import "github.com/dashbox/dashbox/internal/keyfile"

// DeviceKeySize is the length of the key that signs device cookies.
const DeviceKeySize = 32

// LoadDeviceKey returns the key kept in the file at path, creating the file
// (mode 0600) with a new random key when it is missing. A file that does not
// hold exactly DeviceKeySize bytes (emptied by a full disk, truncated) is
// replaced by a new key: the only loss is that browsers log in once more.
//
// A key that outlives the process keeps the device cookies of logged-in
// browsers valid across restarts and upgrades, so colleagues behind one
// address stay exempt from that address's block after dashbox restarts.
func LoadDeviceKey(path string) (key []byte, replaced bool, err error) {
	return keyfile.Load(path, DeviceKeySize, "device cookie key")
}
