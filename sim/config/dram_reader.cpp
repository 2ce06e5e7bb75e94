#include "sim/config/dram_reader.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "sim/base/text.h"

namespace npusim::config {
namespace {

std::string fmt_number(double v) {
  std::string s = std::to_string(v);
  s.erase(s.find_last_not_of('0') + 1);
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

uint32_t power_of_two(const MapReader& m, std::string_view key) {
  const uint32_t value = m.u32(key, 1);
  if (!std::has_single_bit(value))
    m.fail(key, "invalid value for '" + m.path_of(key) + "': " + m.raw(key) +
                    " (expected a power of two)");
  return value;
}

/// A name chosen from a fixed list, with a did-you-mean.
std::string choice(const MapReader& m, std::string_view key, const std::vector<std::string>& names) {
  const std::string value = m.text(key);
  if (std::find(names.begin(), names.end(), value) == names.end())
    m.fail(key, "unknown value '" + value + "' for '" + m.path_of(key) + "'" +
                    did_you_mean(value, names) + " (expected one of: " + join(names) + ")");
  return value;
}

/// `key` must be >= `other` (both in the same map); `what` explains the rule.
template <typename T>
void at_least(const MapReader& m, std::string_view key, T value, std::string_view other, T min,
              std::string_view what) {
  if (value < min)
    m.fail(key, "invalid value for '" + m.path_of(key) + "': " + m.raw(key) + " (expected >= " +
                    std::string(other) + " = " + fmt_number(double(min)) + ": " +
                    std::string(what) + ")");
}

DramGeometryConfig read_geometry(const MapReader& m) {
  DramGeometryConfig g;
  g.pseudo_channels = m.u32("pseudo_channels", 1);
  g.bank_groups = power_of_two(m, "bank_groups");
  g.banks_per_group = power_of_two(m, "banks_per_group");
  g.rows = m.u32("rows", 1);
  g.row_bytes = power_of_two(m, "row_bytes");
  g.bus_bits = m.u32("bus_bits", 8);
  if (g.bus_bits % 8 != 0)
    m.fail("bus_bits", "invalid value for '" + m.path_of("bus_bits") + "': " + m.raw("bus_bits") +
                           " (expected a multiple of 8)");
  g.burst_length = m.u32("burst_length", 1);
  if (!std::has_single_bit(g.burst_bytes()))
    m.fail("burst_length", "invalid value for '" + m.path_of("burst_length") + "': " +
                               m.raw("burst_length") + " (expected bus_bits x burst_length / 8 = " +
                               std::to_string(g.burst_bytes()) + " to be a power of two)");
  if (g.row_bytes < g.burst_bytes())
    m.fail("row_bytes", "invalid value for '" + m.path_of("row_bytes") + "': " +
                            m.raw("row_bytes") + " (expected >= one burst of " +
                            std::to_string(g.burst_bytes()) + " bytes)");
  return g;
}

DramTimingNs read_timing_ns(const MapReader& m) {
  DramTimingNs t;
  t.cl = m.number("cl", Bound::positive);
  t.rcd_rd = m.number("rcd_rd", Bound::positive);
  t.rcd_wr = m.number("rcd_wr", Bound::positive);
  t.rp = m.number("rp", Bound::positive);
  t.ras = m.number("ras", Bound::positive);
  t.wr = m.number("wr", Bound::non_negative);
  t.rtp = m.number("rtp", Bound::non_negative);
  t.rrd_s = m.number("rrd_s", Bound::non_negative);
  t.rrd_l = m.number("rrd_l", Bound::non_negative);
  at_least(m, "rrd_l", t.rrd_l, "rrd_s", t.rrd_s, "same bank group is never faster");
  t.faw = m.number("faw", Bound::non_negative);
  t.wtr_s = m.number("wtr_s", Bound::non_negative);
  t.wtr_l = m.number("wtr_l", Bound::non_negative);
  at_least(m, "wtr_l", t.wtr_l, "wtr_s", t.wtr_s, "same bank group is never faster");
  t.refi = m.number("refi", Bound::positive);
  t.rfc = m.number("rfc", Bound::positive);
  if (t.rfc >= t.refi)
    m.fail("rfc", "invalid value for '" + m.path_of("rfc") + "': " + m.raw("rfc") +
                      " (expected less than refi = " + m.raw("refi") +
                      " ns, or no time would be left between refreshes)");
  return t;
}

DramTimingNck read_timing_nck(const MapReader& m, uint32_t burst_cycles) {
  DramTimingNck t;
  t.cwl = m.u32("cwl", 0);
  t.ccd_s = m.u32("ccd_s", 1);
  // Same-type column commands must not overlap on the data bus.
  at_least(m, "ccd_s", t.ccd_s, "the burst", burst_cycles,
           "back-to-back bursts would overlap on the data bus");
  t.ccd_l = m.u32("ccd_l", 1);
  at_least(m, "ccd_l", t.ccd_l, "ccd_s", t.ccd_s, "same bank group is never faster");
  t.rtw_turnaround = m.u32("rtw_turnaround", 0);
  t.act_cycles = m.u32("act_cycles", 1);
  return t;
}

DramControllerConfig read_controller(const MapReader& m, const DramChoices& choices) {
  DramControllerConfig c;
  const std::string page = choice(m, "page_policy", {"open", "closed"});
  c.page_policy = page == "open" ? PagePolicy::open : PagePolicy::closed;
  c.scheduler = choice(m, "scheduler", choices.schedulers);
  c.address_map = choice(m, "address_map", choices.address_maps);
  c.read_queue_depth = m.u32("read_queue_depth", 1);
  c.write_queue_depth = m.u32("write_queue_depth", 1);
  c.write_high_watermark = m.u32("write_high_watermark", 1);
  if (c.write_high_watermark > c.write_queue_depth)
    m.fail("write_high_watermark",
           "invalid value for '" + m.path_of("write_high_watermark") + "': " +
               m.raw("write_high_watermark") + " (expected <= write_queue_depth = " +
               std::to_string(c.write_queue_depth) + ")");
  c.write_low_watermark = m.u32("write_low_watermark", 0);
  if (c.write_low_watermark >= c.write_high_watermark)
    m.fail("write_low_watermark",
           "invalid value for '" + m.path_of("write_low_watermark") + "': " +
               m.raw("write_low_watermark") + " (expected < write_high_watermark = " +
               std::to_string(c.write_high_watermark) + ")");
  const std::string refresh = choice(m, "refresh", {"all_bank", "off"});
  c.refresh = refresh == "all_bank" ? RefreshMode::all_bank : RefreshMode::off;
  return c;
}

DramEnergyConfig read_energy(const MapReader& m) {
  DramEnergyConfig e;
  e.activate_pj = m.number("activate_pj", Bound::non_negative);
  e.read_pj_per_bit = m.number("read_pj_per_bit", Bound::non_negative);
  e.write_pj_per_bit = m.number("write_pj_per_bit", Bound::non_negative);
  e.refresh_pj = m.number("refresh_pj", Bound::non_negative);
  return e;
}

}  // namespace

DramConfig read_dram(const std::vector<Layer>& layers, const DramChoices& choices) {
  const MapReader root = MapReader::root(
      layers,
      {"name", "description", "standard", "clock_mhz", "data_rate_mtps", "geometry", "timing_ns",
       "timing_nck", "controller", "energy"},
      nullptr);
  DramConfig d;
  (void)root.text("name");  // checked against the file name by the loader
  d.description = root.text("description");
  d.standard = root.text("standard");
  d.clock_mhz = root.number("clock_mhz", Bound::positive);
  d.data_rate_mtps = root.number("data_rate_mtps", Bound::positive);
  d.geometry = read_geometry(root.map("geometry", {"pseudo_channels", "bank_groups",
                                                   "banks_per_group", "rows", "row_bytes",
                                                   "bus_bits", "burst_length"}));
  // Beats per clock (2 for HBM2's DDR data on CK, 4 for HBM3's data at twice WDQS = 4 x CK):
  // a burst must fill whole clocks.
  const double beats = d.data_rate_mtps / d.clock_mhz;
  const double burst_cycles = d.geometry.burst_length / beats;
  if (std::abs(burst_cycles - std::round(burst_cycles)) > 1e-9 || burst_cycles < 1)
    root.fail("data_rate_mtps",
              "invalid value for 'data_rate_mtps': " + root.raw("data_rate_mtps") +
                  " (expected burst_length / (data_rate_mtps / clock_mhz) to be a whole number "
                  "of clocks; it is " +
                  fmt_number(burst_cycles) + ")");
  d.timing_ns = read_timing_ns(root.map(
      "timing_ns", {"cl", "rcd_rd", "rcd_wr", "rp", "ras", "wr", "rtp", "rrd_s", "rrd_l", "faw",
                    "wtr_s", "wtr_l", "refi", "rfc"}));
  d.timing_nck =
      read_timing_nck(root.map("timing_nck", {"cwl", "ccd_s", "ccd_l", "rtw_turnaround",
                                              "act_cycles"}),
                      static_cast<uint32_t>(std::lround(burst_cycles)));
  d.controller = read_controller(
      root.map("controller", {"page_policy", "scheduler", "address_map", "read_queue_depth",
                              "write_queue_depth", "write_high_watermark", "write_low_watermark",
                              "refresh"}),
      choices);
  d.energy = read_energy(
      root.map("energy", {"activate_pj", "read_pj_per_bit", "write_pj_per_bit", "refresh_pj"}));
  return d;
}

}  // namespace npusim::config
