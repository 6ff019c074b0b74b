#!/bin/sh
# mkrootfs.sh ROOTFS: build the Debian root file system that the nspawn tests of
# the service package boot with systemd-nspawn, unless ROOTFS already holds one
# built by this very script.
#
# ROOTFS lives outside the clone (the tests use
# ${XDG_CACHE_HOME:-$HOME/.cache}/dashbox-test/rootfs) so it is built once per
# machine and reused by every later run. The file etc/dashbox-test-rootfs inside
# it records the SHA-256 of this script: editing the script rebuilds the rootfs.
#
# The Debian mirror is read from the machine's own apt configuration, so no
# address is written into the repository and air-gapped machines use their
# local mirror. Needs root, debootstrap and util-linux (flock).
set -eu

rootfs=${1:?usage: mkrootfs.sh ROOTFS}
suite=${SUITE:-bookworm}
# What the in-container tests need besides systemd: ps/kill (procps), ss
# (iproute2), curl for a second opinion over HTTPS, logrotate to rotate the
# access log the way an administrator would.
packages=systemd-sysv,dbus,iproute2,procps,curl,ca-certificates,logrotate

stamp=$(sha256sum <"$0" | cut -d' ' -f1)
mkdir -p "$(dirname "$rootfs")"

# Two test runs at once must not both build (or one use a half-built tree).
exec 9>"$rootfs.lock"
flock 9
if [ "$(cat "$rootfs/etc/dashbox-test-rootfs" 2>/dev/null)" = "$stamp" ]; then
	exit 0
fi

mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '/^deb / {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
if [ -z "$mirror" ]; then
	echo "mkrootfs.sh: no Debian mirror found in /etc/apt: configure apt, then run this again" >&2
	exit 1
fi

tmp=$rootfs.tmp.$$
trap 'rm -rf "$tmp"' EXIT
rm -rf "$tmp"
debootstrap --variant=minbase --include="$packages" "$suite" "$tmp" "$mirror"
chroot "$tmp" passwd -d root >/dev/null

# The runner: once the container is up it runs the test's /mnt/share/run.sh
# and powers the container off, whatever the script's outcome. Type=exec, not
# oneshot, so that "systemctl is-system-running --wait" inside does not wait
# for the runner itself.
cat >"$tmp/etc/systemd/system/dashbox-test-runner.service" <<'UNIT'
[Unit]
Description=dashbox test runner
ConditionPathExists=/mnt/share/run.sh
After=basic.target

[Service]
Type=exec
ExecStart=/bin/sh /mnt/share/run.sh
ExecStopPost=/bin/systemctl --no-block poweroff
StandardOutput=journal+console
StandardError=journal+console

[Install]
WantedBy=multi-user.target
UNIT
ln -s ../dashbox-test-runner.service "$tmp/etc/systemd/system/multi-user.target.wants/dashbox-test-runner.service"

# Nothing inside needs the package cache; it only makes copies slower.
rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/lib/apt/lists/*
echo "$stamp" >"$tmp/etc/dashbox-test-rootfs"

rm -rf "$rootfs"
mv "$tmp" "$rootfs"
trap - EXIT
