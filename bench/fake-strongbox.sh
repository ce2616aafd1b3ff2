#!/usr/bin/env bash
# A stand-in for the strongbox CLI (init/backup/restore/snapshots/stats) built on tar+zstd, to test the bench harness:
#   STRONGBOX_BIN="bash bench/fake-strongbox.sh" BENCH_SIZE_MB=50 node bench/.work/build/run.js
set -euo pipefail
[ "${1:-}" = "-r" ] || { echo "usage: fake-strongbox.sh -r REPO COMMAND ..." >&2; exit 2; }
repo=$2; cmd=$3; shift 3
[ -n "${STRONGBOX_PASSWORD:-}" ] || { echo "STRONGBOX_PASSWORD is not set" >&2; exit 1; }
count() { find "$repo" -maxdepth 1 -name 'snap-*.tar.zst' | wc -l; }
case $cmd in
  init) mkdir -p "$repo" ;;
  backup) tar -cf - -C "$(dirname "$1")" "$(basename "$1")" | zstd -1 -T0 -q > "$repo/snap-$(printf %04d "$(count)").tar.zst" ;;
  restore) # restore latest --target DIR
    latest=$(find "$repo" -maxdepth 1 -name 'snap-*.tar.zst' | sort | tail -n 1)
    zstd -dc -q "$latest" | tar -xf - -C "$3" ;;
  snapshots) echo "[$(for i in $(seq 1 "$(count)"); do printf '{"n":%d}' "$i"; done | sed 's/}{/},{/g')]" ;;
  stats) echo "{\"total_size\": $(du -sb "$repo" | cut -f1)}" ;;
  *) echo "fake-strongbox: unknown command $cmd" >&2; exit 2 ;;
esac
