// L2 behaviour of the chip model: a working set that fits L2 is served at L2 bandwidth, one
// that does not falls back to HBM bandwidth; two cores hammering one slice are slower than
// the same traffic spread over slices.
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include "models/memory/l2_cache.h"
#include "sim/chip/chip_simulator.h"
#include "sim/config/chip_loader.h"
#include "sim/trace/trace_reader.h"

using namespace npusim;

namespace {

/// Every AIV reads its share of a `working_set` region `passes` times, in 64 KiB chunks;
/// returns the achieved GM read bandwidth in GB/s.
double sweep_bandwidth(ChipSimulator& sim, uint64_t working_set, int passes) {
  const ChipConfig& chip = sim.config();
  const uint32_t cores = chip.core_count(CoreKind::aiv);
  const uint64_t chunk = 64 * 1024, share = working_set / cores;
  std::string text = "npusim-trace 1\n";
  for (uint32_t c = 0; c < cores; ++c) {
    text += fmt::format("core aiv {}\n", c);
    for (int p = 0; p < passes; ++p)
      for (uint64_t off = 0; off + chunk <= share; off += chunk)
        text += fmt::format("MTE2 src=GM:{:#x} dst=UB:0x0 bytes={}\n", c * share + off, chunk);
  }
  const ChipRunResult r = sim.run(read_trace(text, "sweep.trace"));
  return double(r.bytes.at("gm_read")) / r.time_s * 1e-9;
}

}  // namespace

TEST_CASE("a working set that fits L2 runs at L2 bandwidth and one that does not falls to HBM") {
  // A 24 MiB L2 keeps the traces small; the comparison does not depend on the size.
  ChipSimulator sim(load_chip("ascend910b", {"l2.size_mib=24"}));
  const ChipConfig& chip = sim.config();
  const double hbm_gbps = chip.hbm.bandwidth_gbps;
  const double l2_gbps = chip.l2.slice_bytes_per_cycle * chip.l2.slices * chip.freq_mhz * 1e-3;
  const double fits = sweep_bandwidth(sim, 12ull << 20, 8);
  const double spills = sweep_bandwidth(sim, 48ull << 20, 8);
  INFO("fits: " << fits << " GB/s, spills: " << spills << " GB/s; HBM " << hbm_gbps
                << ", L2 " << l2_gbps);
  // Fits: one cold pass from HBM, seven from L2: at least 2x HBM and at most the L2 rate.
  CHECK(fits > 2 * hbm_gbps);
  CHECK(fits <= l2_gbps * 1.001);
  // Spills: LRU over a cyclic sweep twice the cache size misses on (nearly) every line.
  CHECK(spills <= hbm_gbps * 1.001);
  CHECK(spills > 0.8 * hbm_gbps);
}

TEST_CASE("two cores hammering one L2 slice are slower than the same traffic spread over slices") {
  const ChipConfig chip = load_chip("ascend910b");
  ChipSimulator sim(chip);
  const L2Cache tags(chip.l2);  // the model's own hash decides which lines share a slice
  const uint32_t line = chip.l2.line_bytes;
  std::vector<uint64_t> hot, spread;
  std::vector<bool> slice_used(chip.l2.slices, false);
  for (uint64_t addr = 0; hot.size() < 64 || spread.size() < 16; addr += line) {
    const uint32_t s = tags.slice_of(addr);
    if (s == 0 && hot.size() < 64) hot.push_back(addr);
    if (!slice_used[s] && spread.size() < 16) {
      slice_used[s] = true;
      spread.push_back(addr);
    }
  }
  // Each core reads a list of lines `reps` times (one 512-byte MTE2 per line).
  auto run = [&](std::vector<uint64_t> lines_a, std::vector<uint64_t> lines_b, int reps) {
    std::string text = "npusim-trace 1\n";
    for (int core = 0; core < 2; ++core) {
      text += fmt::format("core aiv {}\n", core);
      for (int rep = 0; rep < reps; ++rep)
        for (uint64_t a : core == 0 ? lines_a : lines_b)
          text += fmt::format("MTE2 src=GM:{:#x} dst=UB:0x0 bytes={}\n", a, line);
    }
    return sim.run(read_trace(text, "slices.trace"));
  };
  // The same 2 x 1280 line reads: all in slice 0, or each core on its own 8 slices.
  const auto hot_run = run({hot.begin(), hot.begin() + 32}, {hot.begin() + 32, hot.end()}, 40);
  const auto spread_run =
      run({spread.begin(), spread.begin() + 8}, {spread.begin() + 8, spread.end()}, 160);
  INFO("hot slice: " << hot_run.cycles << " cycles, spread: " << spread_run.cycles);
  REQUIRE(hot_run.bytes.at("gm_read") == spread_run.bytes.at("gm_read"));
  CHECK(double(hot_run.cycles) > 1.5 * double(spread_run.cycles));
}

TEST_CASE("on the 910 mesh a slice far from the core is slower to reach than a near one") {
  const ChipConfig chip = load_chip("ascend910");
  REQUIRE(chip.noc.topology == "mesh");
  ChipSimulator sim(chip);
  const L2Cache tags(chip.l2);
  const uint32_t nodes = chip.noc.mesh_cols * chip.noc.mesh_rows;
  // Core 0 sits at node 0; slice s at node s mod nodes. Near: slice 0 (node 0, no hop);
  // far: the slice at the opposite corner (node nodes-1, cols-1 + rows-1 hops).
  auto lines_of_slice = [&](uint32_t slice) {
    std::vector<uint64_t> lines;
    for (uint64_t a = 0; lines.size() < 64; a += chip.l2.line_bytes)
      if (tags.slice_of(a) == slice) lines.push_back(a);
    return lines;
  };
  auto run = [&](const std::vector<uint64_t>& lines) {
    std::string text = "npusim-trace 1\ncore aicore 0\n";
    for (uint64_t a : lines) {
      text += fmt::format("MTE2 src=GM:{:#x} dst=UB:0x0 bytes={}\n", a, chip.l2.line_bytes);
      text += "PIPE_BARRIER pipe=MTE2\n";  // one at a time: latency, not bandwidth
    }
    return sim.run(read_trace(text, "mesh.trace"));
  };
  const auto near = run(lines_of_slice(0));
  const auto far = run(lines_of_slice(nodes - 1));
  const uint32_t hops = chip.noc.mesh_cols - 1 + chip.noc.mesh_rows - 1;
  INFO("near " << near.cycles << " cycles, far " << far.cycles << " cycles, " << hops << " hops");
  // Each of the 64 round trips crosses `hops` links both ways.
  CHECK(far.cycles >= near.cycles + 64ull * 2 * hops * chip.noc.hop_latency_cycles);
}

TEST_CASE("a single MSHR per slice throttles a miss stream") {
  ChipSimulator sim(load_chip("ascend910b", {"l2.mshrs_per_slice=1"}));
  std::string text = "npusim-trace 1\n";
  for (uint32_t c = 0; c < 8; ++c) {
    text += fmt::format("core aiv {}\n", c);
    for (uint64_t off = 0; off < (1u << 20); off += 65536)
      text += fmt::format("MTE2 src=GM:{:#x} dst=UB:0x0 bytes=65536\n", (uint64_t(c) << 20) + off);
  }
  const ChipRunResult r = sim.run(read_trace(text, "mshr.trace"));
  // One line in flight per slice: at most slices x line / miss latency of bandwidth.
  const ChipConfig& chip = sim.config();
  const double miss_latency_s = chip.hbm.latency_ns * 1e-9;
  const double bound_gbps = chip.l2.slices * chip.l2.line_bytes / miss_latency_s * 1e-9;
  INFO("achieved " << r.hbm_achieved_gbps << " GB/s, MSHR bound " << bound_gbps << " GB/s");
  CHECK(r.hbm_achieved_gbps <= bound_gbps * 1.001);
  CHECK(r.hbm_achieved_gbps < 0.5 * chip.hbm.bandwidth_gbps);
}
