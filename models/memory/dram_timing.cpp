#include "models/memory/dram_timing.h"

#include <cmath>

namespace npusim {

uint32_t dram_cycles(double ns, double tck_ps) {
  // JEDEC rounds ns / tCK up; the guard keeps 14 ns at 1.2 GHz (16.8) from becoming 17.0000001.
  return static_cast<uint32_t>(std::ceil(ns * 1000.0 / tck_ps - 1e-6));
}

DramTiming make_dram_timing(const DramConfig& d) {
  DramTiming t;
  t.tck_ps = 1e6 / d.clock_mhz;
  const auto cyc = [&](double ns) { return dram_cycles(ns, t.tck_ps); };
  const double beats_per_clock = d.data_rate_mtps / d.clock_mhz;
  t.burst = static_cast<uint32_t>(std::lround(d.geometry.burst_length / beats_per_clock));
  t.cl = cyc(d.timing_ns.cl);
  t.cwl = d.timing_nck.cwl;
  t.rcd_rd = cyc(d.timing_ns.rcd_rd);
  t.rcd_wr = cyc(d.timing_ns.rcd_wr);
  t.rp = cyc(d.timing_ns.rp);
  t.ras = cyc(d.timing_ns.ras);
  t.rc = t.ras + t.rp;
  t.wr = cyc(d.timing_ns.wr);
  t.rtp = cyc(d.timing_ns.rtp);
  t.rrd_s = cyc(d.timing_ns.rrd_s);
  t.rrd_l = cyc(d.timing_ns.rrd_l);
  t.faw = cyc(d.timing_ns.faw);
  t.wtr_s = cyc(d.timing_ns.wtr_s);
  t.wtr_l = cyc(d.timing_ns.wtr_l);
  t.ccd_s = d.timing_nck.ccd_s;
  t.ccd_l = d.timing_nck.ccd_l;
  t.rtw_turnaround = d.timing_nck.rtw_turnaround;
  t.act_cycles = d.timing_nck.act_cycles;
  t.refi = cyc(d.timing_ns.refi);
  t.rfc = cyc(d.timing_ns.rfc);
  return t;
}

DramGeometry make_dram_geometry(const DramConfig& d, uint32_t channels) {
  DramGeometry g;
  g.channels = channels;
  g.pseudo_channels = d.geometry.pseudo_channels;
  g.bank_groups = d.geometry.bank_groups;
  g.banks_per_group = d.geometry.banks_per_group;
  g.rows = d.geometry.rows;
  g.burst_bytes = d.geometry.burst_bytes();
  g.columns = d.geometry.row_bytes / g.burst_bytes;
  return g;
}

}  // namespace npusim
