#!/usr/bin/env bash
# Wall time of the README's first command (set-up + workflow on the default study):
#   cold  - fresh clone, empty HOME (no pip cache, no PyTensor or numba compile cache)
#   noop  - the same command again: pip finds everything, Snakemake has nothing to do
#   warm  - results removed, caches kept: the whole workflow again
# Writes benchmarks/results/first_command.md. Usage: bash benchmarks/first_command.sh [runs]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-1}
out="$repo/benchmarks/results/first_command.md"
command=$(sed -n '/^## Quick start/,/^## /p' "$repo/README.md" | sed -n '/^```sh/,/^```/p' | sed -n 2p)
export PYENV_ROOT=${PYENV_ROOT:-/root/.pyenv}

seconds() {
  local t0; t0=$(date +%s.%N)
  bash -c "$1" >"$2" 2>&1
  python3 -c "print(f'{$(date +%s.%N) - $t0:.1f}')"
}

rows=()
for run in $(seq "$runs"); do
  work=$(mktemp -d); home=$(mktemp -d)
  git clone -q "$repo" "$work/repo"
  cd "$work/repo"
  cold=$(HOME=$home seconds "$command" "$work/cold.log")
  noop=$(HOME=$home seconds "$command" "$work/noop.log")
  grep -q "Nothing to be done" "$work/noop.log" || { echo "no-op run did work" >&2; exit 1; }
  rm -rf results reports .snakemake logs
  warm=$(HOME=$home seconds "$command" "$work/warm.log")
  rows+=("| $run | $cold | $noop | $warm | $(python3 -c "print(f'{$warm / $cold:.2f}')") |")
  cd "$repo"; rm -rf "$work" "$home"
done

{
  echo "# First command: cold, no-op and warm wall times"
  echo
  echo "Command: \`$command\`"
  echo
  echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB RAM, $(uname -m), $(python3.11 --version 2>&1);"
  echo "$(cd "$repo" && .venv/bin/python -c 'from intersession.provenance import package_versions as v; print(", ".join(f"{k} {x}" for k, x in v().items()))')."
  echo "Measured $(date -u +%Y-%m-%d) by benchmarks/first_command.sh; times in seconds."
  echo
  echo "| run | cold | no-op | warm (caches kept) | warm / cold |"
  echo "|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  printf '%s\n' "${rows[@]}" | python3 -c "
import statistics, sys
cols = list(zip(*[[float(c) for c in line.strip('| \\n').split(' | ')[1:4]] for line in sys.stdin]))
cold, noop, warm = (statistics.median(c) for c in cols)
print(f'Medians: cold {cold:.1f} s, no-op {noop:.1f} s ({noop / cold:.2f} of cold), '
      f'warm {warm:.1f} s ({warm / cold:.2f} of cold).')"
} > "$out"
cat "$out"
