// DRAM command scheduling: FR-FCFS serves row hits before older row misses (FCFS does not),
// never closes a row that queued bursts still hit, and writes wait in their queue until the
// high watermark, then drain down to the low watermark.
#include <catch2/catch.hpp>

#include <map>

#include "dram_test_util.h"

using namespace npusim;

namespace {

/// A read to (pseudo-channel 0, bank group 0, bank 0, row, column) of a one-channel system.
uint64_t bank0(const DramSystem& s, uint32_t row, uint32_t column) {
  return test::find_address(s, [&](const DramAddress& a) {
    return a.pseudo_channel == 0 && a.bank_group == 0 && a.bank == 0 && a.row == row &&
           a.column == column;
  });
}

/// Opens row 3, then at 1 us queues an older conflict (row 5) and a younger hit (row 3).
std::vector<DramCompletion> hit_vs_older_miss(const std::string& scheduler,
                                              std::vector<DramCommandRecord>* cmds = nullptr) {
  const DramConfig d = test::preset(
      "hbm2", {"dram.controller.scheduler=" + scheduler, "dram.controller.refresh=off"});
  DramSystem s(test::system_config(d, 1));
  s.submit({bank0(s, 3, 0), 32, false, 0});
  s.submit({bank0(s, 5, 0), 32, false, 1e6});  // older: row miss (conflict)
  s.submit({bank0(s, 3, 1), 32, false, 1e6});  // younger: row hit
  s.run();
  if (cmds != nullptr) *cmds = test::sorted_commands(s);
  return s.results();
}

}  // namespace

TEST_CASE("FR-FCFS serves a younger row hit before an older row miss") {
  std::vector<DramCommandRecord> cmds;
  const auto r = hit_vs_older_miss("frfcfs", &cmds);
  CHECK(r[2].done_ps < r[1].done_ps);
  // The conflict's PRE waits until the hit has read the open row.
  uint64_t hit_rd = 0, pre = 0;
  for (const DramCommandRecord& c : cmds) {
    if (c.command == DramCommand::rd && c.row == 3 && c.column == 1) hit_rd = c.cycle;
    if (c.command == DramCommand::pre && c.row == 3) pre = c.cycle;
  }
  REQUIRE(hit_rd > 0);
  CHECK(pre > hit_rd);
}

TEST_CASE("FCFS serves the older row miss first") {
  const auto r = hit_vs_older_miss("fcfs");
  CHECK(r[1].done_ps < r[2].done_ps);
}

TEST_CASE("FR-FCFS beats FCFS on random traffic through bank parallelism") {
  const auto run = [](const std::string& scheduler) {
    DramSystem s(test::system_config(
        test::preset("hbm2e", {"dram.controller.scheduler=" + scheduler}), 2, 512, false));
    uint64_t seed = 11;
    for (int i = 0; i < 4000; ++i)
      s.submit({test::mix(seed) % (256u << 20) / 64 * 64, 64, false, 0});
    s.run();
    return s.end_ps();
  };
  CHECK(run("frfcfs") < 0.8 * run("fcfs"));
}

TEST_CASE("writes wait for the high watermark and drain to the low one") {
  const DramConfig d = test::preset("hbm2e", {"dram.controller.refresh=off"});
  const DramControllerConfig& c = d.controller;
  DramSystem s(test::system_config(d, 1));
  // Reads and writes interleaved (one in three writes), all queued at once, so reads wait
  // throughout and only the watermarks decide when writes go.
  uint64_t seed = 5;
  for (int i = 0; i < 6000; ++i)
    s.submit({test::mix(seed) % (64u << 20) / 64 * 64, 64, i % 3 == 0, 0});
  s.run();
  std::map<uint32_t, bool> draining;  // per pseudo-channel: last column command was a WR
  std::map<uint32_t, DramCommandRecord> last_wr;
  int drains = 0, starts_at_high = 0, ends_at_low = 0;
  for (const DramCommandRecord& k : test::sorted_commands(s)) {
    const bool wr = k.command == DramCommand::wr;
    if (!wr && k.command != DramCommand::rd) continue;
    bool& on = draining[k.pseudo_channel];
    if (wr && !on && k.read_queue > 0) {
      // A drain starts only once the write queue has reached the high watermark.
      INFO("drain starts at cycle " << k.cycle << " with " << k.write_queue << " writes");
      CHECK(k.write_queue >= c.write_high_watermark);
      ++drains;
      starts_at_high += k.write_queue == c.write_high_watermark;
    }
    if (!wr && on && k.read_queue > 0) {
      // It ended (reads waiting) once the last write left at most the low watermark.
      const DramCommandRecord& w = last_wr[k.pseudo_channel];
      INFO("drain ends at cycle " << w.cycle << " leaving " << w.write_queue - 1 << " writes");
      CHECK(w.write_queue - 1 <= c.write_low_watermark);
      ends_at_low += w.write_queue - 1 == c.write_low_watermark;
    }
    if (wr) last_wr[k.pseudo_channel] = k;
    on = wr;
  }
  CHECK(drains > 10);
  CHECK(starts_at_high > 0);
  CHECK(ends_at_low > 0);
  CHECK(s.stats().write_drains >= uint64_t(drains));
}
