#!/usr/bin/env bash
# The main job: install what is missing, build, and boot a VM running the
# bundled test guest with its serial console on this terminal, a virtio-blk
# disk served by a cnh-blk daemon that cnh spawns, and a virtio-rng served by
# cnh-rng. The guest checks the platform (serial, RTC, memory map, ACPI, SMP),
# enumerates PCI, writes, flushes and reads back its disk, reads entropy,
# reboots once and powers off; cnh then stops its daemons and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh build
disk=$(mktemp /tmp/cnh-demo-disk.XXXXXX)
trap 'rm -f "$disk"' EXIT
truncate -s 64M "$disk"
echo "cnh: booting build/tests/guest/cnh-test-guest.elf: 2 vCPUs, 256 MiB, disk $disk (cnh-blk), rng (cnh-rng)"
build/vmm/cnh \
  --kernel build/tests/guest/cnh-test-guest.elf \
  --cmdline "cnh.tests=serial,rtc,memory,acpi,smp,pci,blk,rng,reboot cnh.mem=$((256 << 20)) cnh.cpus=2 cnh.time=$(date +%s) cnh.pci=2 cnh.blk.seed=42" \
  --cpus boot=2 --memory size=256M --serial tty \
  --disk path="$disk" --rng
echo "cnh: the VM powered off; the disk holds the guest's pattern: $(python3 tests/guest/blk_pattern.py "$disk" 42)"
