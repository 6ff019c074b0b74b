package auth

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestLoadDeviceKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "device-cookie.key")
	key, replaced, err := LoadDeviceKey(path)
	if err != nil || replaced || len(key) != DeviceKeySize {
		t.Fatalf("first load: %d-byte key, replaced %v, err %v; want a new %d-byte key", len(key), replaced, err, DeviceKeySize)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v; want mode 0600", fi, err)
	}
	again, replaced, err := LoadDeviceKey(path)
	if err != nil || replaced || !bytes.Equal(again, key) {
		t.Fatalf("second load: replaced %v, err %v, same key %v; want the key kept", replaced, err, bytes.Equal(again, key))
	}

	for name, damage := range map[string][]byte{"emptied": nil, "truncated": key[:7], "too long": append(bytes.Clone(key), '\n')} {
		if err := os.WriteFile(path, damage, 0o600); err != nil {
			t.Fatal(err)
		}
		fresh, replaced, err := LoadDeviceKey(path)
		if err != nil || !replaced || len(fresh) != DeviceKeySize || bytes.Equal(fresh, key) {
			t.Errorf("%s: replaced %v, err %v, %d bytes; want a new key", name, replaced, err, len(fresh))
		}
		if onDisk, _ := os.ReadFile(path); !bytes.Equal(onDisk, fresh) {
			t.Errorf("%s: the file does not hold the new key", name)
		}
	}
}

func TestLoadDeviceKeyUnreadable(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "missing-parent", "device-cookie.key")
	if _, _, err := LoadDeviceKey(dir); err == nil {
		t.Fatal("no error for a key file in a folder that does not exist")
	}
}
