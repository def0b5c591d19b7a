#!/bin/sh
# deps.sh: check for and install the Debian packages pvisor builds and tests with
# (grub-common and grub-xen-bin: test fixtures, GRUB's PVH images are built by tests/e2e/pvh.sh).
# usage: scripts/deps.sh [--check]   (--check: exit 1 if anything is missing, install nothing)
set -eu
PKGS="gcc make pkg-config linux-libc-dev libyajl-dev check liburing-dev libmnl-dev \
libseccomp-dev clang libxen-dev xenstore-utils python3-pyxs grub-common grub-xen-bin"
missing=""
for p in $PKGS; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$st" in *"install ok installed"*) ;; *) missing="$missing $p" ;; esac
done
if [ -z "$missing" ]; then
    [ "${1:-}" = "--check" ] || echo "deps: all packages present"
    exit 0
fi
[ "${1:-}" = "--check" ] && exit 1
if [ "$(id -u)" != 0 ]; then
    echo "deps: missing Debian packages:$missing" >&2
    echo "deps: run 'sudo make deps' (or apt-get install$missing) as root, then make again" >&2
    exit 1
fi
echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
echo "deps: done"
