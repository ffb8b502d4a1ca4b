#!/usr/bin/env bash
# Runs the whole test suite (the README's test command calls this through scripts/vigil) and closes with
# one line "N passed, N failed[, N skipped]" (ignored tests are the skipped ones) that CI reads.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source scripts/toolchain.sh
ensure_toolchain
export NO_COLOR=1
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
"$DENO" test -A --parallel "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
summary="$(grep -E '^(ok|FAILED) \| [0-9]+ passed' "$log" | tail -1)"
passed="$(sed -nE 's/.*\| ([0-9]+) passed.*/\1/p' <<<"$summary")"
failed="$(sed -nE 's/.*\| ([0-9]+) failed.*/\1/p' <<<"$summary")"
ignored="$(sed -nE 's/.*\| ([0-9]+) ignored.*/\1/p' <<<"$summary")"
if [ -z "$summary" ]; then
  echo "0 passed, 1 failed"
  exit 1
fi
echo "${passed:-0} passed, ${failed:-0} failed, ${ignored:-0} skipped"
exit "$status"
