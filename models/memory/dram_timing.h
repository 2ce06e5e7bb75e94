#pragma once
// A DRAM system's structure and timing in the units the model works in: command-clock cycles
// (nCK) and bursts. Built from a DramConfig (configs/memory/*.yaml) and a channel count.

#include <cstdint>

#include "sim/config/dram_config.h"

namespace npusim {

/// Structure of the whole DRAM system behind one die.
struct DramGeometry {
  uint32_t channels = 0;
  uint32_t pseudo_channels = 0;  ///< per channel
  uint32_t bank_groups = 0;      ///< per pseudo-channel
  uint32_t banks_per_group = 0;
  uint32_t rows = 0;         ///< per bank
  uint32_t columns = 0;      ///< bursts per row
  uint32_t burst_bytes = 0;  ///< bytes of one column access

  [[nodiscard]] uint32_t banks() const { return bank_groups * banks_per_group; }
  [[nodiscard]] uint32_t row_bytes() const { return columns * burst_bytes; }
  [[nodiscard]] uint64_t capacity_bytes() const {
    return uint64_t(channels) * pseudo_channels * banks() * rows * row_bytes();
  }
};

/// Every timing rule, in command-clock cycles (JEDEC rounding: ceil of ns / tCK).
struct DramTiming {
  double tck_ps = 0;  ///< command clock period
  uint32_t cl = 0, cwl = 0, burst = 0;
  uint32_t rcd_rd = 0, rcd_wr = 0, rp = 0, ras = 0, rc = 0;
  uint32_t wr = 0, rtp = 0;
  uint32_t rrd_s = 0, rrd_l = 0, faw = 0;
  uint32_t wtr_s = 0, wtr_l = 0;
  uint32_t ccd_s = 0, ccd_l = 0;
  uint32_t rtw_turnaround = 0, act_cycles = 0;
  uint32_t refi = 0, rfc = 0;

  /// RD to WR on one pseudo-channel: read data, bus turnaround, then write data.
  [[nodiscard]] uint32_t rd_to_wr() const {
    const uint32_t gap = cl + burst + rtw_turnaround;
    return gap > cwl ? gap - cwl : 1;
  }
  /// WR to RD: write data, then tWTR (S: other bank group, L: same bank group).
  [[nodiscard]] uint32_t wr_to_rd_s() const { return cwl + burst + wtr_s; }
  [[nodiscard]] uint32_t wr_to_rd_l() const { return cwl + burst + wtr_l; }
  /// WR to PRE of the same bank: write data, then write recovery.
  [[nodiscard]] uint32_t wr_to_pre() const { return cwl + burst + wr; }
  /// Cycles from a RD command to the last data beat; from a WR to the last written beat.
  [[nodiscard]] uint32_t read_latency() const { return cl + burst; }
  [[nodiscard]] uint32_t write_latency() const { return cwl + burst; }
};

/// Cycles for `ns` at `tck_ps`, rounded up as JEDEC does (with a guard for float noise).
[[nodiscard]] uint32_t dram_cycles(double ns, double tck_ps);

[[nodiscard]] DramTiming make_dram_timing(const DramConfig& dram);
[[nodiscard]] DramGeometry make_dram_geometry(const DramConfig& dram, uint32_t channels);

}  // namespace npusim
