// DRAM device timings, each rule on its own: a workload is run through the controller and the
// command log is checked pair by pair. Every check asserts the rule holds (no gap below it) and
// that the workload made it bind (some gap equals it), so a rule the model forgot would show.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <optional>
#include <tuple>

#include "dram_test_util.h"

using namespace npusim;
using npusim::test::mix;
using Cmd = DramCommandRecord;

namespace {

/// One channel of HBM2E with random 64 B requests (70 % reads) in 4 MiB: many bank conflicts,
/// read/write turnarounds and a few refreshes.
struct Run {
  std::unique_ptr<DramSystem> system;
  std::vector<Cmd> cmds;
  DramTiming t;
};

Run run(const DramConfig& dram, const std::vector<DramRequest>& requests) {
  Run r;
  r.system = std::make_unique<DramSystem>(test::system_config(dram, 1));
  for (const DramRequest& q : requests) r.system->submit(q);
  r.system->run();
  r.cmds = test::sorted_commands(*r.system);
  r.t = r.system->timing();
  return r;
}

Run mixed_run(const std::string& page = "open") {
  std::vector<DramRequest> reqs;
  uint64_t seed = 7;
  for (int i = 0; i < 6000; ++i) {
    const uint64_t addr = test::mix(seed) % (4u << 20) / 64 * 64;
    reqs.push_back({addr, 64, test::mix(seed) % 10 >= 7, 0});
  }
  return run(test::preset("hbm2e", {"dram.controller.page_policy=" + page}), reqs);
}

/// Requests that walk whole rows of one bank: every row's bursts back to back, then the next
/// row, so a precharge follows the last column access as soon as tRTP or tWR allows.
Run row_walk(bool write) {
  const DramConfig dram = test::preset("hbm2e");
  DramSystem probe(test::system_config(dram, 1));
  std::vector<DramRequest> reqs;
  for (uint32_t row = 0; row < 40; ++row)
    for (uint32_t col = 0; col < probe.geometry().columns; ++col) {
      const uint64_t a = test::find_address(probe, [&](const DramAddress& d) {
        return d.pseudo_channel == 0 && d.bank_group == 0 && d.bank == 0 && d.row == row &&
               d.column == col;
      });
      reqs.push_back({a, 32, write, 0});
    }
  return run(dram, reqs);
}

using Key = std::tuple<uint32_t, uint32_t, uint32_t, uint32_t>;  // channel, pc, bg, bank
Key bank_of(const Cmd& c) { return {c.channel, c.pseudo_channel, c.bank_group, c.bank}; }
Key group_of(const Cmd& c) { return {c.channel, c.pseudo_channel, c.bank_group, 0}; }
Key pc_of(const Cmd& c) { return {c.channel, c.pseudo_channel, 0, 0}; }

bool is(const Cmd& c, DramCommand k) { return c.command == k; }

/// Smallest cycle gap from the latest `first` command to a later `second` command in the same
/// scope; nullopt when no such pair occurs.
template <typename First, typename Second, typename Scope>
std::optional<uint64_t> min_gap(const std::vector<Cmd>& cmds, First first, Second second,
                                Scope scope) {
  std::map<Key, uint64_t> last;
  std::optional<uint64_t> best;
  for (const Cmd& c : cmds) {
    if (second(c)) {
      const auto it = last.find(scope(c));
      if (it != last.end() && (!best || c.cycle - it->second < *best)) best = c.cycle - it->second;
    }
    if (first(c)) last[scope(c)] = c.cycle;
  }
  return best;
}

/// The rule holds everywhere and binds somewhere.
void holds_and_binds(std::optional<uint64_t> gap, uint64_t rule) {
  REQUIRE(gap.has_value());
  CHECK(*gap >= rule);
  CHECK(*gap == rule);
}

auto cmd(DramCommand k) {
  return [k](const Cmd& c) { return is(c, k); };
}

}  // namespace

TEST_CASE("ACT to ACT in one bank group is at least tRRD_L apart") {
  const Run r = mixed_run();
  holds_and_binds(min_gap(r.cmds, cmd(DramCommand::act), cmd(DramCommand::act), group_of),
                  r.t.rrd_l);
}

TEST_CASE("ACT to ACT in one pseudo-channel is at least tRRD_S apart") {
  const Run r = mixed_run();
  holds_and_binds(min_gap(r.cmds, cmd(DramCommand::act), cmd(DramCommand::act), pc_of),
                  r.t.rrd_s);
}

TEST_CASE("no five ACTs of one pseudo-channel fall within tFAW") {
  const Run r = mixed_run();
  std::map<Key, std::vector<uint64_t>> acts;
  for (const Cmd& c : r.cmds)
    if (is(c, DramCommand::act)) acts[pc_of(c)].push_back(c.cycle);
  std::optional<uint64_t> best;
  for (const auto& [pc, times] : acts)
    for (size_t i = 4; i < times.size(); ++i)
      if (!best || times[i] - times[i - 4] < *best) best = times[i] - times[i - 4];
  holds_and_binds(best, r.t.faw);
}

TEST_CASE("ACT to ACT of one bank is at least tRC apart") {
  const Run r = mixed_run();
  holds_and_binds(min_gap(r.cmds, cmd(DramCommand::act), cmd(DramCommand::act), bank_of), r.t.rc);
}

TEST_CASE("ACT to PRE of one bank is at least tRAS apart") {
  const Run r = mixed_run();
  holds_and_binds(min_gap(r.cmds, cmd(DramCommand::act), cmd(DramCommand::pre), bank_of),
                  r.t.ras);
}

TEST_CASE("PRE to ACT of one bank is at least tRP apart") {
  const Run r = mixed_run();
  holds_and_binds(min_gap(r.cmds, cmd(DramCommand::pre), cmd(DramCommand::act), bank_of), r.t.rp);
}

TEST_CASE("ACT to RD and ACT to WR of one bank are at least tRCD apart") {
  const Run r = mixed_run();
  holds_and_binds(min_gap(r.cmds, cmd(DramCommand::act), cmd(DramCommand::rd), bank_of),
                  r.t.rcd_rd);
  holds_and_binds(min_gap(r.cmds, cmd(DramCommand::act), cmd(DramCommand::wr), bank_of),
                  r.t.rcd_wr);
}

TEST_CASE("RD to RD and WR to WR in one bank group are at least tCCD_L apart") {
  const Run r = mixed_run();
  holds_and_binds(min_gap(r.cmds, cmd(DramCommand::rd), cmd(DramCommand::rd), group_of),
                  r.t.ccd_l);
  holds_and_binds(min_gap(r.cmds, cmd(DramCommand::wr), cmd(DramCommand::wr), group_of),
                  r.t.ccd_l);
}

TEST_CASE("RD to RD in one pseudo-channel is at least tCCD_S apart") {
  const Run r = mixed_run();
  holds_and_binds(min_gap(r.cmds, cmd(DramCommand::rd), cmd(DramCommand::rd), pc_of), r.t.ccd_s);
}

TEST_CASE("WR to RD waits for the write data and tWTR_L in a bank group and tWTR_S across") {
  const Run r = mixed_run();
  holds_and_binds(min_gap(r.cmds, cmd(DramCommand::wr), cmd(DramCommand::rd), group_of),
                  r.t.cwl + r.t.burst + r.t.wtr_l);
  holds_and_binds(min_gap(r.cmds, cmd(DramCommand::wr), cmd(DramCommand::rd), pc_of),
                  r.t.cwl + r.t.burst + r.t.wtr_s);
}

TEST_CASE("RD to WR leaves the read data and a bus turnaround before the write data") {
  const Run r = mixed_run();
  holds_and_binds(min_gap(r.cmds, cmd(DramCommand::rd), cmd(DramCommand::wr), pc_of),
                  r.t.cl + r.t.burst + r.t.rtw_turnaround - r.t.cwl);
}

TEST_CASE("RD to PRE of one bank is at least tRTP apart") {
  const Run r = row_walk(false);
  holds_and_binds(min_gap(r.cmds, cmd(DramCommand::rd), cmd(DramCommand::pre), bank_of), r.t.rtp);
}

TEST_CASE("WR to PRE of one bank waits for the write data and tWR") {
  const Run r = row_walk(true);
  holds_and_binds(min_gap(r.cmds, cmd(DramCommand::wr), cmd(DramCommand::pre), bank_of),
                  r.t.cwl + r.t.burst + r.t.wr);
}

TEST_CASE("REF finds every bank precharged for tRP and blocks ACT for tRFC") {
  const Run r = mixed_run();
  REQUIRE(r.system->stats().refreshes > 0);
  holds_and_binds(min_gap(r.cmds, cmd(DramCommand::ref), cmd(DramCommand::act), pc_of), r.t.rfc);
  // At every REF each bank of its pseudo-channel is closed since at least tRP.
  std::map<Key, std::pair<bool, uint64_t>> bank;  // open?, last PRE
  for (const Cmd& c : r.cmds) {
    if (is(c, DramCommand::act)) bank[bank_of(c)] = {true, 0};
    if (is(c, DramCommand::pre)) bank[bank_of(c)] = {false, c.cycle};
    if (!is(c, DramCommand::ref)) continue;
    for (const auto& [key, state] : bank) {
      if (std::get<0>(key) != c.channel || std::get<1>(key) != c.pseudo_channel) continue;
      INFO("REF at " << c.cycle);
      CHECK_FALSE(state.first);
      CHECK(state.second + r.t.rp <= c.cycle);
    }
  }
}

TEST_CASE("each pseudo-channel refreshes once per tREFI and never early") {
  // Reads only, so the run is long enough for many refreshes.
  std::vector<DramRequest> reqs;
  uint64_t seed = 3;
  for (int i = 0; i < 20000; ++i) reqs.push_back({test::mix(seed) % (64u << 20) / 64 * 64, 64, false, 0});
  const Run r = run(test::preset("hbm2e"), reqs);
  std::map<Key, std::vector<uint64_t>> refs;
  for (const Cmd& c : r.cmds)
    if (is(c, DramCommand::ref)) refs[pc_of(c)].push_back(c.cycle);
  REQUIRE(refs.size() == 2);
  const uint64_t end = r.system->now();
  for (const auto& [pc, times] : refs) {
    REQUIRE(times.size() >= 3);
    // Refreshes are staggered over the system's pseudo-channels: pseudo-channel i of n is due
    // first at tREFI x (i + 1) / n, then every tREFI. A REF issues at or after its due time,
    // delayed only by the precharge-all (tRAS or write recovery) and tRP.
    const uint64_t first_due = r.t.refi * (std::get<1>(pc) + 1) / 2;
    for (size_t k = 0; k < times.size(); ++k) {
      CHECK(times[k] >= first_due + k * r.t.refi);
      CHECK(times[k] <= first_due + k * r.t.refi + r.t.ras + r.t.wr_to_pre() + r.t.rp);
    }
    CHECK(times.size() >= (end - first_due) / r.t.refi);
  }
}

TEST_CASE("a channel issues at most one column and one row command per cycle") {
  const Run r = mixed_run();
  std::map<uint64_t, int> column;
  std::map<uint64_t, std::set<uint32_t>> row_pcs;  // pseudo-channels with row commands
  uint64_t act_bus_free = 0;
  for (const Cmd& c : r.cmds) {
    if (is(c, DramCommand::rd) || is(c, DramCommand::wr)) ++column[c.cycle];
    if (c.auto_precharge || is(c, DramCommand::rd) || is(c, DramCommand::wr)) continue;
    // Several PREs of one pseudo-channel in one cycle are one precharge-all.
    row_pcs[c.cycle].insert(c.pseudo_channel);
    CHECK(c.cycle >= act_bus_free);
    if (is(c, DramCommand::act)) act_bus_free = c.cycle + r.t.act_cycles;
  }
  for (const auto& [cycle, n] : column) CHECK(n == 1);
  for (const auto& [cycle, pcs] : row_pcs) CHECK(pcs.size() == 1);
}

TEST_CASE("data bursts of one pseudo-channel never overlap on its data bus") {
  const Run r = mixed_run();
  std::map<Key, std::vector<std::pair<uint64_t, uint64_t>>> bus;
  for (const Cmd& c : r.cmds) {
    if (is(c, DramCommand::rd)) bus[pc_of(c)].push_back({c.cycle + r.t.cl, c.cycle + r.t.cl + r.t.burst});
    if (is(c, DramCommand::wr))
      bus[pc_of(c)].push_back({c.cycle + r.t.cwl, c.cycle + r.t.cwl + r.t.burst});
  }
  uint64_t touching = 0;  // back-to-back bursts (the bus fully used)
  for (auto& [pc, spans] : bus) {
    std::sort(spans.begin(), spans.end());
    for (size_t i = 1; i < spans.size(); ++i) {
      CHECK(spans[i].first >= spans[i - 1].second);
      touching += spans[i].first == spans[i - 1].second;
    }
  }
  CHECK(touching > 0);
}

TEST_CASE("closed page precharges as soon as the last queued access to a row allows") {
  const Run closed = mixed_run("closed");
  // An auto-precharge (RDA/WRA) lands at max(ACT + tRAS, RD + tRTP or WR + write recovery).
  std::map<Key, uint64_t> act, col_ready;
  uint64_t auto_pre = 0;
  for (const Cmd& c : closed.cmds) {
    if (is(c, DramCommand::act)) {
      act[bank_of(c)] = c.cycle;
      col_ready[bank_of(c)] = 0;
    }
    uint64_t& ready = col_ready[bank_of(c)];
    if (is(c, DramCommand::rd)) ready = std::max(ready, c.cycle + closed.t.rtp);
    if (is(c, DramCommand::wr)) ready = std::max(ready, c.cycle + closed.t.wr_to_pre());
    if (!c.auto_precharge) continue;
    ++auto_pre;
    CHECK(c.cycle == std::max(act[bank_of(c)] + closed.t.ras, col_ready[bank_of(c)]));
  }
  // Most rows close themselves; the rest are closed by a refresh's precharge-all or by a
  // conflict while a burst in the other (read or write) queue still wanted the row.
  CHECK(auto_pre > closed.system->stats().activates * 3 / 4);
}
