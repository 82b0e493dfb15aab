#!/usr/bin/env bash
# Wall time of the methodologist's bench targets on the default study and default config,
# one Snakemake run at a time, in a temporary copy of the workflow:
#   sbc       100 replicates of isp_actions refitted by isp_actions (10 batches of 10)
#   sbc-wrong the same 100 datasets fitted without therapist intercepts (fit_variant)
#   design    50 simulated studies each of 40, 80, 160 and 320 clients (8 per therapist)
# Validation and scoring run first and are not timed. Prints the wall times and the peak
# memory of the largest job; copies the tables to benchmarks/results/ (sbc_*.csv,
# design_power.csv), from which benchmarks/results/sbc.md and design.md are written.
# Usage: bash benchmarks/sbc_and_design.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
for part in Snakefile environment.yml workflow config data models; do
  cp -r "$repo/$part" "$work/"
done
cd "$work"
snakemake="$repo/.venv/bin/snakemake"
study=results/simulated_quirk2018

"$snakemake" --cores 2 "$study/scores/scores.csv" >score.log 2>&1

timed() {  # name, snakemake arguments...
  local name=$1
  shift
  /usr/bin/time -f "$name: wall %e s, peak memory of the largest job %M KB" \
    "$snakemake" --cores 2 "$@" >"$name.log" 2>&1
  tail -1 "$name.log"
}

timed sbc sbc
timed sbc-wrong sbc --config "sbc={fit_variant: no_therapist}"
timed design design

cp "$study/sbc/isp_actions/uniformity.csv" "$repo/benchmarks/results/sbc_uniformity.csv"
cp "$study/sbc/isp_actions-no_therapist/uniformity.csv" \
  "$repo/benchmarks/results/sbc_no_therapist_uniformity.csv"
cp "$study/design/power.csv" "$repo/benchmarks/results/design_power.csv"
grep -h "with divergences" logs/simulated_quirk2018/sbc/*/summary.log
echo "work directory: $work"
