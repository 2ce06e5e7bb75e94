#pragma once
// One die's memory side: the on-chip network from the cores to the L2 slices, a sliced L2
// and HBM channels, as a TLM-2.0 target. Each request is split into L2 lines; every line
// crosses the network to its slice (on a mesh or ring: per-hop latency and link booking;
// write data on the way in, read data on the way back), is served by its slice (bandwidth
// server + hit latency), and on a read miss holds one of the slice's MSHRs while its HBM
// channel serves it (bandwidth server + latency).
// Writes allocate in L2 without fetching (requests cover whole lines); dirty victims take
// HBM channel time as write-backs.

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>
#include <memory>
#include <vector>

#include "models/memory/bandwidth_server.h"
#include "models/memory/l2_cache.h"
#include "models/memory/mshr_pool.h"
#include "models/noc/noc_topology.h"
#include "models/power/activity.h"
#include "sim/config/chip_config.h"

namespace npusim {

class DieMemory : public sc_core::sc_module {
public:
  tlm_utils::simple_target_socket<DieMemory> socket;

  /// `noc` carries requests between the cores' nodes and the slices' nodes (slice s sits at
  /// node s mod nodes; the requester's node comes with each transaction).
  DieMemory(sc_core::sc_module_name name, const ChipConfig& chip, std::unique_ptr<NocTopology> noc);

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
  [[nodiscard]] uint32_t slice_node(uint32_t slice) const { return slice % noc_nodes_; }

  std::unique_ptr<NocTopology> noc_;
  uint32_t noc_nodes_ = 1;
  std::vector<BandwidthServer> slices_;
  std::vector<MshrPool> mshrs_;
  std::vector<BandwidthServer> channels_;
  double hit_latency_ps_;
  double hbm_latency_ps_;
  uint64_t capacity_bytes_;
  uint32_t interleave_bytes_;
  double hbm_write_cost_;  ///< channel time of a written byte / a read byte (bus turnarounds)
  ActivityCounts counts_;
};

}  // namespace npusim
