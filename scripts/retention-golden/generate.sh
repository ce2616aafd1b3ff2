#!/usr/bin/env bash
# Regenerates test/retention/fixtures/*.json, the golden files saying what `borg prune` (1.2.x) keeps for
# generated timelines and policies; test/retention/golden.test.ts holds the engine to them.
#   scripts/retention-golden/generate.sh [--only NAME] [--jobs N]
set -euo pipefail
cd "$(dirname "$0")/../.."

need=()
command -v borg >/dev/null || need+=(borgbackup)   # Debian bookworm: 1.2.4
command -v faketime >/dev/null || need+=(faketime) # Debian bookworm: 0.9.10
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" \
    || { $sudo apt-get update -qq && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"; }
fi

# The generator imports borg, so it runs with the Python named in borg's shebang.
python="$(sed -n '1s/^#! *//p' "$(command -v borg)")"
case "$python" in */env\ *) python="${python#*env }";; esac
"$python" -c 'import borg' 2>/dev/null || { echo "cannot import borg with $python (from borg's shebang)" >&2; exit 1; }

exec "$python" -B scripts/retention-golden/generate.py "$@"
