#!/usr/bin/env bash
# Builds and runs the chip-level speed benchmark; paste its output, the machine and the date
# into docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
npusim_install_packages
npusim_build build bench_chip_gemm
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u +%Y-%m-%d)"
build/bench/bench_chip_gemm "$@"
