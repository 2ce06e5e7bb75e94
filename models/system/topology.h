#pragma once
// Topologies: how NPUs and switches are joined, and the route between two NPUs. Each is a
// small class behind one route() (astra-network-analytical style), registered by the
// `topology.kind` name of the system config: full_mesh, mesh_groups, switch.
//
// Nodes 0 .. npus-1 are the NPUs; switches (an NVSwitch, a host bridge) follow. A topology
// declares its links, one direction each; the system model builds a Link per declaration.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sim/config/system_config.h"

namespace npusim {

/// One direction of a connection: `count` bonded links of type `type`.
struct LinkSpec {
  uint32_t from = 0;
  uint32_t to = 0;
  std::string type;
  uint32_t count = 1;
};

struct SwitchSpec {
  std::string name;
  double latency_ns = 0;
};

class Topology {
 public:
  virtual ~Topology() = default;
  [[nodiscard]] virtual std::string_view kind() const = 0;
  /// Links (indices into links()) a packet crosses from NPU `src` to NPU `dst` (src != dst).
  [[nodiscard]] virtual std::vector<uint32_t> route(uint32_t src, uint32_t dst) const = 0;
  /// One line for summaries, e.g. "full mesh of 8 over hccs".
  [[nodiscard]] virtual std::string describe() const = 0;

  [[nodiscard]] uint32_t npus() const { return npus_; }
  [[nodiscard]] uint32_t nodes() const { return npus_ + uint32_t(switches_.size()); }
  [[nodiscard]] const std::vector<LinkSpec>& links() const { return links_; }
  [[nodiscard]] const std::vector<SwitchSpec>& switches() const { return switches_; }
  /// Index of the link from node `from` to node `to`; InternalError if there is none.
  [[nodiscard]] uint32_t link_between(uint32_t from, uint32_t to) const;

 protected:
  explicit Topology(uint32_t npus) : npus_(npus) {}
  /// Adds both directions between two nodes.
  void connect(uint32_t a, uint32_t b, const std::string& type, uint32_t count);
  /// Adds a switch node and returns its node id.
  uint32_t add_switch(const std::string& name, double latency_ns);

 private:
  uint32_t npus_;
  std::vector<LinkSpec> links_;
  std::vector<SwitchSpec> switches_;
  std::vector<std::vector<int64_t>> index_;  // [from][to] -> link index or -1
};

/// Builds the topology `system.topology.kind` names.
[[nodiscard]] std::unique_ptr<Topology> make_topology(const SystemConfig& system);

// Factories of the registered topologies (topo_*.cpp).
std::unique_ptr<Topology> make_full_mesh_topology(const SystemConfig& system);
std::unique_ptr<Topology> make_mesh_groups_topology(const SystemConfig& system);
std::unique_ptr<Topology> make_switch_topology(const SystemConfig& system);

}  // namespace npusim
