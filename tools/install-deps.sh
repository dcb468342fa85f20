#!/usr/bin/env bash
# Install what cnh needs to build and test, from Debian 12's archive.
# Installs only the packages that are missing. Run as root.
set -euo pipefail

PKGS=(
  # build
  gcc meson ninja-build pkg-config python3
  # libraries (libev and libfdt have no pkg-config file on Debian)
  libseccomp-dev liburing-dev libfdt-dev libev-dev libjansson-dev
  # tests
  libcriterion-dev acpica-tools cpio
  # interop tests: qemu-storage-daemon as a third-party vhost-user-blk back-end
  qemu-system-common
  # interop tests and the network benchmark: dpdk-testpmd (virtio-user and vhost PMDs)
  dpdk-dev
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "cnh: all build and test packages are installed"
  exit 0
fi
echo "cnh: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "cnh: need root to install packages (run as root or with sudo)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
