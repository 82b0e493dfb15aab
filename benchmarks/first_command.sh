#!/usr/bin/env bash
# Wall time of the README's first command on the default study, in its two parts:
#   set-up         - the part before `.venv/bin/snakemake` (venv, the locked install, the package) in a fresh clone
#                    with an empty HOME (no pip cache)
#   workflow cold  - `.venv/bin/snakemake --cores all` with empty compilation caches (PyTensor's
#                    compiledir and its numba cache live in the empty HOME)
#   no-op          - the whole command again: pip finds everything, Snakemake has nothing to do
#   workflow warm  - results removed, caches kept: the workflow part again
# and, for the cold workflow, the time per rule from Snakemake's benchmark records.
# Writes benchmarks/results/first_command.md. Usage: bash benchmarks/first_command.sh [runs]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-1}
out="$repo/benchmarks/results/first_command.md"
command=$(sed -n '/^## Quick start/,/^## /p' "$repo/README.md" | sed -n '/^```sh/,/^```/p' | sed -n 2p)
setup=${command%% && .venv/bin/snakemake*}
workflow=".venv/bin/snakemake${command##* && .venv/bin/snakemake}"
[ "$setup" != "$command" ] || { echo "cannot split the command: $command" >&2; exit 1; }
export PYENV_ROOT=${PYENV_ROOT:-/root/.pyenv}

seconds() {
  local t0; t0=$(date +%s.%N)
  bash -c "$1" >"$2" 2>&1
  python3 -c "print(f'{$(date +%s.%N) - $t0:.1f}')"
}

# Written notes below this marker line of the results are kept.
marker="<!-- notes: kept by first_command.sh -->"
notes=$( [ -f "$out" ] && sed -n "/^$marker\$/,\$p" "$out" || true)

rows=(); rules=""
for run in $(seq "$runs"); do
  work=$(mktemp -d); home=$(mktemp -d)
  git clone -q "$repo" "$work/repo"
  cd "$work/repo"
  setup_s=$(HOME=$home seconds "$setup" "$work/setup.log")
  cold=$(HOME=$home seconds "$workflow" "$work/cold.log")
  rules=$(.venv/bin/python "$repo/benchmarks/measure.py" results/simulated_quirk2018/benchmarks)
  noop=$(HOME=$home seconds "$command" "$work/noop.log")
  grep -q "Nothing to be done" "$work/noop.log" || { echo "no-op run did work" >&2; exit 1; }
  rm -rf results reports .snakemake logs
  warm=$(HOME=$home seconds "$workflow" "$work/warm.log")
  rows+=("| $run | $setup_s | $cold | $noop | $warm |")
  cd "$repo"; rm -rf "$work" "$home"
done

{
  echo "# First command: set-up, then the workflow cold, no-op and warm"
  echo
  echo "Command: \`$command\`"
  echo
  echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB RAM, $(uname -m), $(python3.11 --version 2>&1);"
  echo "$(cd "$repo" && .venv/bin/python -c 'from intersession.provenance import package_versions as v; print(", ".join(f"{k} {x}" for k, x in v().items()))')."
  echo "Measured $(date -u +%Y-%m-%d) by benchmarks/first_command.sh; times in seconds."
  echo
  echo "| run | set-up (\`$setup\`) | workflow, empty caches | no-op (whole command) | workflow, warm caches |"
  echo "|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  printf '%s\n' "${rows[@]}" | python3 -c "
import statistics, sys
cols = list(zip(*[[float(c) for c in line.strip('| \\n').split(' | ')[1:5]] for line in sys.stdin]))
setup, cold, noop, warm = (statistics.median(c) for c in cols)
print(f'Medians: set-up {setup:.1f} s; workflow cold {cold:.1f} s, warm {warm:.1f} s '
      f'({warm / cold:.2f} of cold); no-op {noop:.1f} s.')"
  echo
  echo "Where the cold workflow's time goes (last run; job seconds add up to more than the"
  echo "wall time, as 2 jobs run at once):"
  echo
  echo "$rules"
  [ -z "$notes" ] || printf '\n%s\n' "$notes"
} > "$out"
cat "$out"
