// Chip model timing: single-instruction formulas, pipe concurrency and ordering, queues,
// cross-core flags and deadlock detection. Each TEST_CASE runs in its own process, so each
// may build one SystemC chip.
#include <catch2/catch.hpp>

#include <algorithm>

#include "models/core/instr_timing.h"
#include "sim/base/error.h"
#include "sim/chip/chip_simulator.h"
#include "sim/config/chip_loader.h"
#include "sim/trace/trace_reader.h"

using namespace npusim;

namespace {

KernelTrace trace_of(const std::string& body) {
  return read_trace("npusim-trace 1\n" + body, "test.trace");
}

const PipeRecord& record_of(const ChipRunResult& r, Op op, size_t nth = 0) {
  for (const CoreResult& c : r.cores)
    for (const PipeRecord& rec : c.records)
      if (rec.op == op && !rec.flag_wait && rec.pipe != Pipe::SCALAR && nth-- == 0) return rec;
  throw std::runtime_error("record not found");
}

double cycles(const ChipConfig& chip, double ps) { return ps / chip.cycle_ps(); }

}  // namespace

TEST_CASE("one MMAD takes exactly ceil(m/16)*ceil(n/16)*ceil(k/kstep) + latency cycles") {
  const ChipConfig chip = load_chip("ascend910b");
  ChipSimulator sim(chip);
  const KernelTrace t = trace_of(
      "core aic 0\nMMAD m=64 k=48 n=80 dtype=fp16 a=L0A:0x0 b=L0B:0x0 c=L0C:0x0\n");
  const ChipRunResult r = sim.run(t, {.timeline = true});
  const PipeRecord& mmad = record_of(r, Op::MMAD);
  const uint64_t kstep = chip.core.cube.k_per_cycle.at(DType::fp16);
  const double formula = double((64 / 16) * (80 / 16) * ((48 + kstep - 1) / kstep)) +
                         chip.core.cube.latency_cycles;
  CHECK(cycles(chip, mmad.complete_ps - mmad.start_ps) == Approx(formula).epsilon(1e-12));
  // The kernel is the dispatch of that one instruction plus the MMAD itself.
  CHECK(r.cycles == uint64_t(formula) + chip.core.scalar.dispatch_cycles);
}

TEST_CASE("independent pipes overlap and a flag between them serialises them") {
  const ChipConfig chip = load_chip("ascend910b");
  ChipSimulator sim(chip);
  const std::string load = "MTE2 src=GM:0x0 dst=L1:0x0 bytes=262144\n";
  const std::string mmad = "MMAD m=128 k=128 n=256 dtype=fp16 a=L0A:0x0 b=L0B:0x0 c=L0C:0x0\n";
  const auto alone_load = sim.run(trace_of("core aic 0\n" + load));
  const auto alone_mmad = sim.run(trace_of("core aic 0\n" + mmad));
  const auto together = sim.run(trace_of("core aic 0\n" + load + mmad));
  const auto ordered = sim.run(trace_of("core aic 0\n" + load +
                                        "SET_FLAG src=MTE2 dst=CUBE id=0\n"
                                        "WAIT_FLAG src=MTE2 dst=CUBE id=0\n" + mmad));
  const uint64_t longest = std::max(alone_load.cycles, alone_mmad.cycles);
  CHECK(together.cycles < alone_load.cycles + alone_mmad.cycles);
  CHECK(together.cycles <= longest + 4);  // only dispatch slots separate them
  CHECK(ordered.cycles >= alone_load.cycles + alone_mmad.cycles - 4);
}

TEST_CASE("a full pipe queue stalls the dispatcher") {
  ChipConfig chip = load_chip("ascend910", {"core.queue_depth=4"});
  ChipSimulator sim(chip);
  std::string body = "core aicore 0\n";
  for (int i = 0; i < 16; ++i) body += "MMAD m=128 k=128 n=256 dtype=fp16 a=L0A:0x0 b=L0B:0x0 c=L0C:0x0\n";
  body += "VEC op=add dtype=fp16 elems=128 dst=UB:0x0 src0=UB:0x1000 src1=UB:0x2000\n";
  const auto r = sim.run(trace_of(body), {.timeline = true});
  const PipeRecord& mmad0 = record_of(r, Op::MMAD, 0);
  const PipeRecord& vec = record_of(r, Op::VEC);
  const double mmad_cycles = cycles(chip, mmad0.end_ps - mmad0.start_ps);
  // The VEC cannot be dispatched before the 16 - 4 - 1 = 11th MMAD has left the queue.
  CHECK(cycles(chip, vec.start_ps - r.start_ps) >= 11 * mmad_cycles);
}

TEST_CASE("PIPE_BARRIER waits for in-flight results of its pipe") {
  const ChipConfig chip = load_chip("ascend910b");
  ChipSimulator sim(chip);
  const std::string mmad = "MMAD m=16 k=16 n=16 dtype=fp16 a=L0A:0x0 b=L0B:0x0 c=L0C:0x0\n";
  const auto plain = sim.run(trace_of("core aic 0\n" + mmad + mmad), {.timeline = true});
  const auto barrier =
      sim.run(trace_of("core aic 0\n" + mmad + "PIPE_BARRIER pipe=CUBE\n" + mmad), {.timeline = true});
  const double gap_plain = record_of(plain, Op::MMAD, 1).start_ps - record_of(plain, Op::MMAD, 0).start_ps;
  const double gap_barrier =
      record_of(barrier, Op::MMAD, 1).start_ps - record_of(barrier, Op::MMAD, 0).start_ps;
  // Waits are rounded to whole picoseconds, hence the small margin.
  CHECK(cycles(chip, gap_plain) == Approx(chip.core.cube.min_issue_cycles).margin(0.01));
  CHECK(cycles(chip, gap_barrier) >= chip.core.cube.min_issue_cycles + chip.core.cube.latency_cycles);
}

TEST_CASE("cross-core flags order an AIC producer before its AIV consumers") {
  const ChipConfig chip = load_chip("ascend910b");
  ChipSimulator sim(chip);
  const auto r = sim.run(trace_of(
                             "core aic 0\n"
                             "MMAD m=128 k=128 n=128 dtype=fp16 a=L0A:0x0 b=L0B:0x0 c=L0C:0x0\n"
                             "SET_FLAG src=CUBE dst=FIXP id=0\nWAIT_FLAG src=CUBE dst=FIXP id=0\n"
                             "FIXPIPE src=L0C:0x0 dst=GM:0x0 bytes=65536\n"
                             "CROSS_SET pipe=FIXP id=1\n"
                             "core aiv 1\n"
                             "CROSS_WAIT pipe=MTE2 id=1\n"
                             "MTE2 src=GM:0x0 dst=UB:0x0 bytes=32768\n"),
                         {.timeline = true});
  const PipeRecord& fix = record_of(r, Op::FIXPIPE);
  const PipeRecord& load = record_of(r, Op::MTE2);
  CHECK(load.start_ps >= fix.complete_ps);
}

TEST_CASE("a wait on a flag that is never set is reported as a deadlock with its line") {
  const ChipConfig chip = load_chip("ascend910b");
  ChipSimulator sim(chip);
  const KernelTrace t = trace_of("core aiv 3\n"
                                 "MTE2 src=GM:0x0 dst=UB:0x0 bytes=1024\n"
                                 "WAIT_FLAG src=MTE2 dst=VECTOR id=2\n"
                                 "VEC op=add dtype=fp16 elems=512 dst=UB:0x0 src0=UB:0x0 src1=UB:0x400\n");
  try {
    (void)sim.run(t);
    FAIL("deadlock not detected");
  } catch (const InputError& e) {
    const std::string msg = e.what();
    CHECK(msg.rfind("test.trace:4: deadlock", 0) == 0);
    CHECK(msg.find("aiv 3") != std::string::npos);
    CHECK(msg.find("VECTOR") != std::string::npos);
  }
}

TEST_CASE("reading the same GM range twice hits L2 the second time") {
  const ChipConfig chip = load_chip("ascend910b");
  ChipSimulator sim(chip);
  const auto r = sim.run(trace_of("core aiv 0\n"
                                  "MTE2 src=GM:0x100000 dst=UB:0x0 bytes=65536\n"
                                  "PIPE_BARRIER pipe=MTE2\n"
                                  "MTE2 src=GM:0x100000 dst=UB:0x0 bytes=65536\n"));
  CHECK(r.bytes.at("l2_miss") == 65536);
  CHECK(r.bytes.at("l2_hit") == 65536);
  CHECK(r.bytes.at("hbm_read") == 65536);
}

TEST_CASE("on a two-die package, reaching the other die's memory crosses the die link") {
  const ChipConfig chip = load_chip("ascend910c");
  REQUIRE(chip.dies == 2);
  ChipSimulator sim(chip);
  const uint64_t remote = chip.hbm.capacity_bytes;  // first byte of die 1
  const auto local = sim.run(trace_of("core aiv 0\nMTE2 src=GM:0x0 dst=UB:0x0 bytes=65536\n"));
  char line[128];
  std::snprintf(line, sizeof line, "MTE2 src=GM:%#llx dst=UB:0x0 bytes=65536\n",
                static_cast<unsigned long long>(remote));
  const auto far = sim.run(trace_of(std::string("core aiv 0\n") + line));
  CHECK(local.bytes.at("die_link") == 0);
  CHECK(far.bytes.at("die_link") == 65536);
  CHECK(far.cycles > local.cycles);
}

TEST_CASE("energy: the breakdown adds up and static energy is power times time") {
  const ChipConfig chip = load_chip("ascend910b");
  ChipSimulator sim(chip);
  const auto r = sim.run(trace_of("core aic 0\n"
                                  "MTE2 src=GM:0x0 dst=L1:0x0 bytes=65536\n"
                                  "MMAD m=128 k=128 n=128 dtype=fp16 a=L0A:0x0 b=L0B:0x0 c=L0C:0x0\n"));
  double sum = 0;
  for (const auto& [unit, j] : r.energy.joules) sum += j;
  CHECK(sum == Approx(r.energy.total_j()).epsilon(1e-12));
  const double static_w = chip.energy.static_w_per_aic * chip.cube_cores +
                          chip.energy.static_w_per_aiv * chip.vector_cores +
                          chip.energy.static_w_uncore;
  CHECK(r.energy.static_j == Approx(static_w * r.time_s).epsilon(1e-12));
  CHECK(r.energy.joules.at("cube") ==
        Approx(128.0 * 128 * 128 * chip.energy.cube_pj_per_mac.at(DType::fp16) * 1e-12));
  CHECK(r.avg_power_w == Approx(r.energy.total_j() / r.time_s));
}
