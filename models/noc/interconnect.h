#pragma once
// The on-chip network between cores and the dies' memory: a crossbar with a fixed one-way
// latency per traversal, plus — on multi-die packages — a die-to-die link per direction
// with its own bandwidth and latency. GM addresses belong to dies in contiguous blocks of
// one die's HBM capacity, so a core reaching the other die's memory crosses the link.
// (Mesh topology and per-link contention come with the memory/interconnect issue.)

#include <systemc>
#include <tlm>
#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <vector>

#include "models/memory/bandwidth_server.h"
#include "models/power/activity.h"
#include "sim/config/chip_config.h"

namespace npusim {

class Interconnect : public sc_core::sc_module {
public:
  /// Bound by every core, in core-id order (socket index = core id).
  tlm_utils::multi_passthrough_target_socket<Interconnect> from_cores;
  /// Bound to every die's memory, in die order.
  tlm_utils::multi_passthrough_initiator_socket<Interconnect> to_memory;

  Interconnect(sc_core::sc_module_name name, const ChipConfig& chip);

  /// Declares which die core `core_id` sits on; call once per core, in core-id order.
  void add_core(uint32_t die) { core_die_.push_back(die); }
  /// Die owning a GM address.
  [[nodiscard]] uint32_t die_of(uint64_t addr) const;

  void reset();
  [[nodiscard]] const ActivityCounts& counts() const { return counts_; }

private:
  void b_transport(int core_id, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);

  uint32_t dies_;
  uint64_t die_capacity_;
  double hop_latency_ps_;
  double link_latency_ps_;
  std::vector<uint32_t> core_die_;
  std::vector<BandwidthServer> links_;  ///< index src_die * dies + dst_die
  ActivityCounts counts_;
};

}  // namespace npusim
