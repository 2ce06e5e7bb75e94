#pragma once
// One die's memory side: a sliced L2 in front of HBM channels, as a TLM-2.0 target.
// Each request is split into L2 lines; every line is served by its slice (bandwidth server +
// hit latency), and on a read miss also by its HBM channel (bandwidth server + latency).
// Writes allocate in L2 without fetching (requests cover whole lines); dirty victims take
// HBM channel time as write-backs.

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>
#include <vector>

#include "models/memory/bandwidth_server.h"
#include "models/memory/l2_cache.h"
#include "models/power/activity.h"
#include "sim/config/chip_config.h"

namespace npusim {

class DieMemory : public sc_core::sc_module {
public:
  tlm_utils::simple_target_socket<DieMemory> socket;

  DieMemory(sc_core::sc_module_name name, const ChipConfig& chip);

  /// Cold caches, idle resources and zero counters for the next kernel.
  void reset();

  [[nodiscard]] const ActivityCounts& counts() const { return counts_; }
  /// Fraction of `elapsed_ps` the HBM channels were busy, averaged over channels.
  [[nodiscard]] double hbm_busy_fraction(double elapsed_ps) const;
  [[nodiscard]] double l2_busy_fraction(double elapsed_ps) const;

private:
  void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  [[nodiscard]] BandwidthServer& channel_of(uint64_t addr);

  L2Cache l2_;
  std::vector<L2Cache::Place> places_;  ///< the current request's lines (scratch, reused)
  std::vector<BandwidthServer> slices_;
  std::vector<BandwidthServer> channels_;
  double hit_latency_ps_;
  double hbm_latency_ps_;
  uint64_t capacity_bytes_;
  uint32_t interleave_bytes_;
  ActivityCounts counts_;
};

}  // namespace npusim
