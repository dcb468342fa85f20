#!/usr/bin/env bash
# The main job: install what is missing, build, and boot a VM running the
# bundled test guest with its serial console on this terminal. The guest
# runs its self-checks (serial, RTC, memory map, ACPI, SMP, reboot) and
# powers off; cnh then exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/install-deps.sh
tools/build.sh build
echo "cnh: booting build/tests/guest/cnh-test-guest.elf with 2 vCPUs and 256 MiB"
exec build/vmm/cnh \
  --kernel build/tests/guest/cnh-test-guest.elf \
  --cmdline "cnh.tests=serial,rtc,memory,acpi,smp,reboot cnh.mem=$((256 << 20)) cnh.cpus=2 cnh.time=$(date +%s)" \
  --cpus boot=2 --memory size=256M --serial tty
