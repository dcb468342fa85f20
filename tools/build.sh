#!/usr/bin/env bash
# Configure (once) and build cnh into DIR (default: build), extra meson
# options after the directory.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
if [ ! -f "$dir/build.ninja" ]; then
  meson setup "$dir" "$@"
fi
ninja -C "$dir"
