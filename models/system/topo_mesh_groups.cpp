// Full-mesh groups joined through a bridge: NPUs g*G .. g*G+G-1 form a full mesh of
// `mesh_link`; every NPU also has `bridge.links_per_npu` x `bridge.link` to one bridge node
// (the host's PCIe root complexes on an Atlas 800 with 910s: two 4-chip HCCS meshes joined
// over PCIe), which forwards between groups. Within a group a route is the mesh link;
// between groups it is NPU -> bridge -> NPU.
#include <fmt/format.h>

#include "models/system/topology.h"

namespace npusim {
namespace {

class MeshGroups final : public Topology {
 public:
  explicit MeshGroups(const SystemConfig& s)
      : Topology(s.npus), group_(s.topology.group_size), t_(s.topology) {
    for (uint32_t a = 0; a < s.npus; ++a)
      for (uint32_t b = a + 1; b < s.npus; ++b)
        if (a / group_ == b / group_) connect(a, b, t_.mesh_link, t_.mesh_links_per_peer);
    bridge_ = add_switch("bridge", t_.bridge.latency_ns);
    for (uint32_t a = 0; a < s.npus; ++a)
      connect(a, bridge_, t_.bridge.link, t_.bridge.links_per_npu);
  }
  [[nodiscard]] std::string_view kind() const override { return "mesh_groups"; }
  [[nodiscard]] std::vector<uint32_t> route(uint32_t src, uint32_t dst) const override {
    if (src / group_ == dst / group_) return {link_between(src, dst)};
    return {link_between(src, bridge_), link_between(bridge_, dst)};
  }
  [[nodiscard]] std::string describe() const override {
    return fmt::format("{} full-mesh groups of {} over {}, joined by a bridge over {} x {}",
                       npus() / group_, group_, t_.mesh_link, t_.bridge.links_per_npu,
                       t_.bridge.link);
  }

 private:
  uint32_t group_;
  TopologyConfig t_;
  uint32_t bridge_ = 0;
};

}  // namespace

std::unique_ptr<Topology> make_mesh_groups_topology(const SystemConfig& system) {
  return std::make_unique<MeshGroups>(system);
}

}  // namespace npusim
