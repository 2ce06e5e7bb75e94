// Validation against published single-core micro-benchmarks of the Ascend 910B1
// (MindStudio msKPP measured instruction tables, `csrc/prof_data/resource910b.cpp`; see
// ../shared/reference/ascend-hardware.md §1.2 and docs/validation.md). Each check allows
// 15%: the model's back-to-back issue limits are themselves derived from these tables.
#include <catch2/catch.hpp>

#include <string>

#include "sim/chip/chip_simulator.h"
#include "sim/config/chip_loader.h"
#include "sim/trace/trace_reader.h"

using namespace npusim;

namespace {

/// Steady-state throughput of `count` copies of `instr` issued back to back on one core:
/// (count - 1) instructions over the time from the first start to the last start, so neither
/// dispatch warm-up nor the last instruction's latency is counted.
double per_instruction_cycles(ChipSimulator& sim, const std::string& core, const std::string& instr,
                              int count, Op op) {
  std::string body = "npusim-trace 1\ncore " + core + "\n";
  for (int i = 0; i < count; ++i) body += instr + "\n";
  const ChipRunResult r = sim.run(read_trace(body, "bench.trace"), {.timeline = true});
  double first = -1, last = 0;
  for (const PipeRecord& rec : r.cores.at(0).records) {
    if (rec.op != op || rec.pipe == Pipe::SCALAR) continue;
    if (first < 0) first = rec.start_ps;
    last = rec.start_ps;
  }
  return (last - first) / (count - 1) / sim.config().cycle_ps();
}

}  // namespace

TEST_CASE("msKPP 910B1: MMAD fp16 m32 k16 n16 ~3370 FLOP/cycle and large n ~8070") {
  ChipSimulator sim(load_chip("ascend910b"));
  const double small = per_instruction_cycles(
      sim, "aic 0", "MMAD m=32 k=16 n=16 dtype=fp16 a=L0A:0x0 b=L0B:0x0 c=L0C:0x0", 200, Op::MMAD);
  const double small_flop_per_cycle = 2.0 * 32 * 16 * 16 / small;
  INFO("small MMAD: " << small_flop_per_cycle << " FLOP/cycle (measured 3370)");
  CHECK(small_flop_per_cycle == Approx(3370).epsilon(0.15));

  const double large = per_instruction_cycles(
      sim, "aic 0", "MMAD m=32 k=16 n=1024 dtype=fp16 a=L0A:0x0 b=L0B:0x0 c=L0C:0x0", 200, Op::MMAD);
  const double large_flop_per_cycle = 2.0 * 32 * 16 * 1024 / large;
  INFO("large-n MMAD: " << large_flop_per_cycle << " FLOP/cycle (measured about 8070 of 8192)");
  CHECK(large_flop_per_cycle == Approx(8070).epsilon(0.15));
  CHECK(large_flop_per_cycle <= 8192 * (1 + 1e-5));  // waits round to whole picoseconds
}

TEST_CASE("msKPP 910B1: VADD fp16 ~128 ops/cycle saturated, ~42 at repeat 1") {
  ChipSimulator sim(load_chip("ascend910b"));
  const double saturated = per_instruction_cycles(
      sim, "aiv 0", "VEC op=add dtype=fp16 repeat=255 dst=UB:0x0 src0=UB:0x10000 src1=UB:0x20000",
      100, Op::VEC);
  const double saturated_ops = 255.0 * 128 / saturated;
  INFO("saturated VADD: " << saturated_ops << " ops/cycle (measured 128)");
  CHECK(saturated_ops == Approx(128).epsilon(0.15));

  const double single = per_instruction_cycles(
      sim, "aiv 0", "VEC op=add dtype=fp16 repeat=1 dst=UB:0x0 src0=UB:0x10000 src1=UB:0x20000",
      200, Op::VEC);
  const double single_ops = 128.0 / single;
  INFO("repeat-1 VADD: " << single_ops << " ops/cycle (measured 42)");
  CHECK(single_ops == Approx(42).epsilon(0.15));
}
