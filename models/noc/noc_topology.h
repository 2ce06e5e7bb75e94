#pragma once
// On-chip network topologies. A topology carries a request between two network nodes (cores
// and L2 slices are attached to nodes) and books every link it crosses, so distance (hops x
// hop latency) and contention on shared links both show up. Each topology is one class
// behind `traverse`; make_noc_topology builds the one a chip config names. The memory side
// (DieMemory) uses the interface only; the chip top builds the topology and hands it over.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/memory/bandwidth_server.h"
#include "sim/config/chip_config.h"

namespace npusim {

class NocTopology {
public:
  virtual ~NocTopology() = default;

  /// Number of nodes cores and slices can be attached to.
  [[nodiscard]] virtual uint32_t nodes() const = 0;
  /// Links crossed from `from` to `to` (0 when they are the same node).
  [[nodiscard]] virtual uint32_t hops(uint32_t from, uint32_t to) const = 0;
  /// Carries `bytes` that enter the network at `from` at time `depart_ps` to `to`; books each
  /// link on the route and returns when the last byte arrives. `now_ps` is the present.
  virtual double traverse(double now_ps, double depart_ps, uint32_t from, uint32_t to,
                          uint64_t bytes) = 0;
  /// Forgets all bookings (between kernels).
  virtual void reset() = 0;
  /// Mean busy fraction of the links over `elapsed_ps` (0 for a crossbar).
  [[nodiscard]] virtual double link_busy_fraction(double elapsed_ps) const = 0;
};

/// What a topology needs to know; from the chip config's `noc` section.
struct NocGeometry {
  std::string topology;        ///< "crossbar", "mesh" or "ring"
  uint32_t cols = 0, rows = 0;  ///< mesh size (ring: cols nodes, rows 1)
  double link_bytes_per_ps = 0;
  double hop_latency_ps = 0;    ///< per link crossed (crossbar: the one-way latency)
};

/// Builds the named topology; InternalError for an unknown name (the loader checks names).
[[nodiscard]] std::unique_ptr<NocTopology> make_noc_topology(const NocGeometry& geometry);

/// The geometry of a chip's `noc` section. On a crossbar the hop latency is 0: the chip's
/// `noc.latency_cycles` is added by the Interconnect on every topology.
[[nodiscard]] NocGeometry noc_geometry(const ChipConfig& chip);

/// Topology names make_noc_topology accepts.
[[nodiscard]] std::vector<std::string> noc_topology_names();

}  // namespace npusim
