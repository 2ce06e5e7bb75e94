// DRAM throughput and latency against formulas from the timings: streaming reaches the pin
// bandwidth less refresh, random 64 B reads are bounded by four activates per tFAW, refresh
// costs about tRFC/tREFI, and an isolated access costs exactly its command latencies.
#include <catch2/catch.hpp>

#include "dram_test_util.h"
#include "sim/mem/mem_run.h"

using namespace npusim;

namespace {

MemRunResult mem(const std::string& chip, const std::string& pattern, uint64_t bytes,
                 std::vector<std::string> sets = {}) {
  MemRunOptions o;
  o.chip = chip;
  o.pattern = pattern;
  o.bytes = bytes;
  o.overrides = std::move(sets);
  return run_mem(o);
}

double efficiency(const MemRunResult& r) { return r.achieved_gbps / r.peak_gbps; }

/// Fraction of time a pseudo-channel is not refreshing: 1 - tRFC / tREFI (in cycles).
double refresh_factor(const DramConfig& d) {
  const DramTiming t = make_dram_timing(d);
  return 1.0 - double(t.rfc) / double(t.refi);
}

}  // namespace

TEST_CASE("a sequential stream reaches 85 to 95 percent of pin bandwidth") {
  // chip, its DRAM preset, bytes (enough for several refresh intervals)
  const std::vector<std::tuple<std::string, std::string, uint64_t>> cases = {
      {"ascend910", "hbm2", 32u << 20}, {"ascend910b", "hbm2e", 40u << 20},
      {"nvidia-h100", "hbm3", 64u << 20}};
  for (const auto& [chip, dram, bytes] : cases) {
    const MemRunResult r = mem(chip, "stream", bytes);
    const double expected = refresh_factor(test::preset(dram));
    INFO(chip << ": " << r.achieved_gbps << " of " << r.peak_gbps << " GB/s, refresh-limited "
              << expected);
    CHECK(r.dram == dram);
    CHECK(efficiency(r) >= 0.85);
    CHECK(efficiency(r) <= 0.95);
    // What is lost is refresh (tRFC / tREFI) plus at most 4 % for the refresh's precharge-all,
    // reactivation and row switches.
    CHECK(efficiency(r) <= expected);
    CHECK(efficiency(r) >= expected - 0.04);
    CHECK(r.row_hit_rate > 0.9);
  }
}

TEST_CASE("random 64 B reads stay below the tFAW bound of four activates per window") {
  for (const auto& [chip, dram] : std::vector<std::pair<std::string, std::string>>{
           {"ascend910", "hbm2"}, {"ascend910b", "hbm2e"}}) {
    const MemRunResult r = mem(chip, "random", 16u << 20);
    const DramConfig d = test::preset(dram);
    const DramTiming t = make_dram_timing(d);
    // Each 64 B request opens one row (it fits in one 512 B interleave unit). A pseudo-channel
    // activates at most 4 rows per tFAW (tRRD_S x 4 is shorter, tRC / 16 banks too), and
    // none while it refreshes.
    const double faw_ns = t.faw * t.tck_ps / 1000.0;
    const double bound_gbps = double(r.channels) * r.pseudo_channels * 4 * 64 / faw_ns *
                              refresh_factor(d);
    INFO(chip << ": " << r.achieved_gbps << " GB/s, bound " << bound_gbps);
    REQUIRE(4 * t.rrd_s <= t.faw);
    CHECK(r.achieved_gbps <= bound_gbps);
    CHECK(r.achieved_gbps >= 0.85 * bound_gbps);  // stated tolerance: within 15 % of the bound
    CHECK(efficiency(r) < 0.5);
    CHECK(r.row_hit_rate == Approx(0.5).margin(0.01));  // two 32 B bursts per activate
  }
}

TEST_CASE("refresh costs about tRFC over tREFI of streaming bandwidth") {
  const MemRunResult on = mem("ascend910b", "stream", 40u << 20);
  const MemRunResult off =
      mem("ascend910b", "stream", 40u << 20, {"dram.controller.refresh=off"});
  const DramTiming t = make_dram_timing(test::preset("hbm2e"));
  const double expected = double(t.rfc) / double(t.refi);
  const double loss = 1.0 - on.achieved_gbps / off.achieved_gbps;
  INFO("on " << on.achieved_gbps << ", off " << off.achieved_gbps << ", loss " << loss
             << ", tRFC/tREFI " << expected);
  CHECK(off.stats.refreshes == 0);
  CHECK(on.stats.refreshes > 0);
  CHECK(efficiency(off) >= 0.97);
  // tRFC / tREFI plus up to 3 % for the precharge-all before and the activates after each REF.
  CHECK(loss >= expected);
  CHECK(loss <= expected + 0.03);
}

TEST_CASE("an isolated read costs tRCD plus tCL plus the burst on a closed page") {
  // Refresh off: a read landing in a refresh window would wait tRFC (tested on its own).
  const DramConfig d = test::preset(
      "hbm2", {"dram.controller.page_policy=closed", "dram.controller.refresh=off"});
  DramSystem system(test::system_config(d, 1));
  const DramTiming& t = system.timing();
  // Reads 10 us apart to different banks and rows: each finds its bank precharged.
  for (int i = 0; i < 8; ++i)
    system.submit({uint64_t(i) * 1'048'576 + uint64_t(i) * 4096, 32, false, 10'000'000.0 * i});
  system.run();
  for (const DramCompletion& c : system.results()) {
    const double cycles = (c.done_ps - c.arrive_ps) / t.tck_ps;
    INFO("read " << c.id);
    // Arrival is rounded up to the next command-clock edge: at most one cycle.
    CHECK(cycles >= t.rcd_rd + t.cl + t.burst);
    CHECK(cycles <= t.rcd_rd + t.cl + t.burst + 1);
  }
}

TEST_CASE("row hit and row conflict reads cost their command latencies on an open page") {
  const DramConfig d = test::preset("hbm2", {"dram.controller.refresh=off"});
  DramSystem system(test::system_config(d, 1, 512, false));
  const DramTiming& t = system.timing();
  const auto addr = [&](uint32_t row, uint32_t col) {
    return test::find_address(system, [&](const DramAddress& a) {
      return a.pseudo_channel == 0 && a.bank_group == 0 && a.bank == 0 && a.row == row &&
             a.column == col;
    });
  };
  const double gap = 1'000'000.0;  // 1 us apart: every earlier rule has expired
  system.submit({addr(3, 0), 32, false, 0});    // miss: opens row 3
  system.submit({addr(3, 1), 32, false, gap});  // hit
  system.submit({addr(5, 0), 32, false, 2 * gap});  // conflict: PRE, ACT, RD
  system.run();
  const auto cycles = [&](int i) {
    const DramCompletion& c = system.results()[size_t(i)];
    return std::ceil((c.done_ps - c.arrive_ps) / t.tck_ps - 1e-9);
  };
  CHECK(cycles(0) == Approx(t.rcd_rd + t.cl + t.burst).margin(1));
  CHECK(cycles(1) == Approx(t.cl + t.burst).margin(1));
  CHECK(cycles(2) == Approx(t.rp + t.rcd_rd + t.cl + t.burst).margin(1));
}

TEST_CASE("a system keeps its open rows and time between runs") {
  // The way a caller such as the chip model can feed requests one at a time.
  const DramConfig d = test::preset("hbm2", {"dram.controller.refresh=off"});
  DramSystem system(test::system_config(d, 1, 512, false));
  const DramTiming& t = system.timing();
  const uint64_t a = 0, b = 32;  // same row, next column
  system.submit({a, 32, false, 0});
  system.run();
  const double first_done = system.results().at(0).done_ps;
  system.submit({b, 32, false, 1'000'000.0});
  system.run();
  REQUIRE(system.results().size() == 2);
  const DramCompletion& hit = system.results()[1];
  CHECK(first_done == Approx((t.rcd_rd + t.cl + t.burst) * t.tck_ps));
  CHECK(hit.arrive_ps == 1'000'000.0);
  CHECK((hit.done_ps - hit.arrive_ps) / t.tck_ps == Approx(t.cl + t.burst).margin(1));
}
