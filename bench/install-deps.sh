#!/bin/sh
# Installs what `make bench` compares dashbox with, from Debian, when missing:
# nginx, Caddy, wrk and h2load (nghttp2-client); taskset is in util-linux.
# The packages' own services are neither started nor left enabled: the
# benchmark starts its own instances on loopback ports and stops them.
set -eu

missing=""
for pair in nginx:nginx caddy:caddy wrk:wrk h2load:nghttp2-client taskset:util-linux nice:coreutils; do
	command -v "${pair%%:*}" >/dev/null 2>&1 || missing="$missing ${pair#*:}"
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
echo "bench: installing:$missing"

# Debian starts a package's service on installation unless policy-rc.d
# forbids it; nginx would then take port 80 on this machine. Forbid it for
# this installation only, unless the machine already has a policy.
policy=/usr/sbin/policy-rc.d
own_policy=""
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
	$SUDO chmod 755 "$policy"
	own_policy=1
fi
cleanup() { [ -z "$own_policy" ] || $SUDO rm -f "$policy"; }
trap cleanup EXIT INT TERM

$SUDO apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing

# On a machine run by systemd, the packages enabled their services for the
# next boot: this machine only wanted the programs.
if [ -d /run/systemd/system ]; then
	for unit in nginx caddy; do
		case "$missing" in *"$unit"*) $SUDO systemctl disable --now "$unit" >/dev/null 2>&1 || true ;; esac
	done
fi
