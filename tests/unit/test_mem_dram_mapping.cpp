// DRAM address mapping schemes: each is a one-to-one map of the capacity onto (channel,
// pseudo-channel, bank group, bank, row, column), keeps an interleave unit in one row, and
// orders the fields as its name says.
#include <catch2/catch.hpp>

#include <set>
#include <tuple>

#include "dram_test_util.h"
#include "sim/base/error.h"

using namespace npusim;

namespace {

/// A tiny geometry with a channel count that is not a power of two.
DramGeometry tiny() {
  DramGeometry g;
  g.channels = 3;
  g.pseudo_channels = 2;
  g.bank_groups = 2;
  g.banks_per_group = 2;
  g.rows = 4;
  g.columns = 8;
  g.burst_bytes = 32;
  return g;
}

}  // namespace

TEST_CASE("every address map is one to one over the capacity") {
  const DramGeometry g = tiny();
  for (const std::string& name : dram_address_map_names()) {
    const auto map = make_dram_address_map(name, g, 64);
    std::set<std::tuple<uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t>> seen;
    for (uint64_t a = 0; a < g.capacity_bytes(); a += g.burst_bytes) {
      const DramAddress d = map->map(a);
      CHECK(d.channel < g.channels);
      CHECK(d.row < g.rows);
      CHECK(d.column < g.columns);
      seen.insert({d.channel, d.pseudo_channel, d.bank_group, d.bank, d.row, d.column});
    }
    INFO(name);
    CHECK(seen.size() == g.capacity_bytes() / g.burst_bytes);
  }
}

TEST_CASE("channel-interleaved maps keep an interleave unit in one row and move to the next channel") {
  const DramGeometry g = tiny();
  for (const char* name : {"RoBaCoBgCh", "RoBaBgCoCh", "RoCoBaBgCh", "RoBaCoBgCh_hash"}) {
    const auto map = make_dram_address_map(name, g, 128);
    INFO(name);
    const DramAddress a = map->map(0), b = map->map(96), c = map->map(128), d = map->map(3 * 128);
    CHECK(std::tie(a.channel, a.pseudo_channel, a.row) == std::tie(b.channel, b.pseudo_channel, b.row));
    CHECK(b.column == a.column + 3);
    CHECK(c.channel == 1);                                   // next unit: next channel
    CHECK(std::tie(d.channel, d.pseudo_channel) == std::make_tuple(0u, 1u));  // then pseudo-channel
  }
}

TEST_CASE("the field order decides what the next unit of a pseudo-channel changes") {
  const DramGeometry g = tiny();
  const uint64_t unit = 64, lap = unit * g.channels * g.pseudo_channels;  // back to channel 0
  const auto next = [&](const std::string& name) { return make_dram_address_map(name, g, unit)->map(lap); };
  CHECK(next("RoBaCoBgCh").bank_group == 1);  // bank group right above the channel
  CHECK(next("RoBaBgCoCh").column == 2);      // column right above the channel
  CHECK(next("RoCoBaBgCh").bank_group == 1);
  CHECK(make_dram_address_map("RoCoBaBgCh", g, unit)->map(lap * 2).bank == 1);
  // ChRoBaBgCo: channel and pseudo-channel are the top field (channel varying first), so each
  // sixth of the capacity is one pseudo-channel: contiguous, not interleaved.
  const auto part = make_dram_address_map("ChRoBaBgCo", g, unit);
  const uint64_t sixth = g.capacity_bytes() / 6;
  CHECK(part->map(sixth - 32).channel == 0);
  CHECK(part->map(sixth).channel == 1);
  CHECK(part->map(3 * sixth).pseudo_channel == 1);
}

TEST_CASE("the hashed map spreads a row-sized stride over the banks") {
  const DramGeometry g = tiny();
  const auto plain = make_dram_address_map("RoBaCoBgCh", g, 64);
  const auto xored = make_dram_address_map("RoBaCoBgCh_hash", g, 64);
  const uint64_t lap = 64 * g.channels * g.pseudo_channels;
  const uint64_t row_span = g.capacity_bytes() / g.rows;  // same bank, next row
  std::set<std::pair<uint32_t, uint32_t>> plain_banks, xor_banks;
  for (uint32_t r = 0; r < g.rows; ++r) {
    // Keep the channel fixed under both maps: the hash rotates channels by the higher fields.
    const DramAddress p = plain->map(r * row_span), x = xored->map(r * row_span);
    CHECK(p.row == r);
    CHECK(x.row == r);
    (void)lap;
    plain_banks.insert({p.bank_group, p.bank});
    xor_banks.insert({x.bank_group, x.bank});
  }
  CHECK(plain_banks.size() == 1);
  CHECK(xor_banks.size() == 4);
}

TEST_CASE("the hashed map spreads a stride of one interleave lap over the channels") {
  const DramGeometry g = tiny();
  const uint64_t lap = 64 * g.channels * g.pseudo_channels;  // back to the same pseudo-channel
  const auto plain = make_dram_address_map("RoBaCoBgCh", g, 64);
  const auto hashed = make_dram_address_map("RoBaCoBgCh_hash", g, 64);
  std::set<std::pair<uint32_t, uint32_t>> plain_queues, hashed_queues;
  for (uint64_t i = 0; i < 6; ++i) {
    const DramAddress p = plain->map(i * lap), h = hashed->map(i * lap);
    plain_queues.insert({p.channel, p.pseudo_channel});
    hashed_queues.insert({h.channel, h.pseudo_channel});
  }
  CHECK(plain_queues.size() == 1);
  CHECK(hashed_queues.size() == 6);
}

TEST_CASE("an unknown address map or a bad interleave is bad input") {
  const DramGeometry g = tiny();
  CHECK_THROWS_WITH(make_dram_address_map("RoBaCoBgCH", g, 64),
                    Catch::Contains("did you mean 'RoBaCoBgCh'"));
  CHECK_THROWS_AS(make_dram_address_map("RoBaCoBgCh", g, 16), InputError);   // below a burst
  CHECK_THROWS_AS(make_dram_address_map("RoBaCoBgCh", g, 512), InputError);  // above a row
  CHECK_THROWS_AS(make_dram_scheduler("frfcsf"), InputError);
}
