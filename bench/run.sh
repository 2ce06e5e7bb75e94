#!/usr/bin/env bash
# Builds and runs the speed benchmarks (docs/performance.md): the chip-level 4096^3 GEMM,
# the 1 GiB all-reduce on 8 NPUs, and a 256 MiB random-access run of the DRAM model.
# Paste the output, the machine and the date into docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
npusim_install_packages
npusim_build build all
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u +%Y-%m-%d)"
echo "== chip: 4096^3 fp16 GEMM on ascend910b"
build/bench/bench_chip_gemm
echo "== system: 1 GiB fp32 all-reduce on atlas800t-a2"
build/bench/bench_system_allreduce
echo "== memory: 256 MiB of random 64-byte reads on the ascend910b HBM2e"
mem_run=(build/npusim mem run --chip ascend910b --pattern random --bytes 256M)
if [[ -x /usr/bin/time ]]; then  # GNU time (Debian package "time") also reports peak memory
  /usr/bin/time -f "wall %e s, cpu %U s, peak memory %M KiB" "${mem_run[@]}"
else
  time "${mem_run[@]}"
fi
