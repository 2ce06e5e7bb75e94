#include "models/system/topology.h"

#include <functional>
#include <map>

#include "sim/base/error.h"

namespace npusim {

uint32_t Topology::link_between(uint32_t from, uint32_t to) const {
  if (from < index_.size() && to < index_[from].size() && index_[from][to] >= 0)
    return static_cast<uint32_t>(index_[from][to]);
  throw InternalError("topology " + std::string(kind()) + ": no link from node " +
                      std::to_string(from) + " to node " + std::to_string(to));
}

void Topology::connect(uint32_t a, uint32_t b, const std::string& type, uint32_t count) {
  for (auto [from, to] : {std::pair{a, b}, std::pair{b, a}}) {
    const uint32_t need = std::max(from, to) + 1;
    if (index_.size() < need) index_.resize(need);
    for (auto& row : index_) row.resize(std::max<size_t>(row.size(), need), -1);
    if (index_[from][to] >= 0)
      throw InternalError("topology: nodes " + std::to_string(from) + " and " + std::to_string(to) +
                          " joined twice");
    index_[from][to] = static_cast<int64_t>(links_.size());
    links_.push_back({from, to, type, count});
  }
}

uint32_t Topology::add_switch(const std::string& name, double latency_ns) {
  switches_.push_back({name, latency_ns});
  return npus_ + uint32_t(switches_.size()) - 1;
}

std::unique_ptr<Topology> make_topology(const SystemConfig& system) {
  using Factory = std::function<std::unique_ptr<Topology>(const SystemConfig&)>;
  static const std::map<std::string, Factory> registry = {
      {"full_mesh", make_full_mesh_topology},
      {"mesh_groups", make_mesh_groups_topology},
      {"switch", make_switch_topology},
  };
  const auto found = registry.find(system.topology.kind);
  if (found == registry.end())
    throw InternalError("no topology class for kind '" + system.topology.kind + "'");
  return found->second(system);
}

}  // namespace npusim
