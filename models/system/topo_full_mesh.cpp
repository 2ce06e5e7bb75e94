// Full mesh: every pair of NPUs has its own link in each direction (HCCS on an 8 x 910B
// Atlas 800T A2 or a 4 x 910 group); a route is that one link.
#include <fmt/format.h>

#include "models/system/topology.h"

namespace npusim {
namespace {

class FullMesh final : public Topology {
 public:
  explicit FullMesh(const SystemConfig& s)
      : Topology(s.npus), link_(s.topology.mesh_link), per_peer_(s.topology.mesh_links_per_peer) {
    for (uint32_t a = 0; a < s.npus; ++a)
      for (uint32_t b = a + 1; b < s.npus; ++b) connect(a, b, link_, per_peer_);
  }
  [[nodiscard]] std::string_view kind() const override { return "full_mesh"; }
  [[nodiscard]] std::vector<uint32_t> route(uint32_t src, uint32_t dst) const override {
    return {link_between(src, dst)};
  }
  [[nodiscard]] std::string describe() const override {
    return fmt::format("full mesh of {} NPUs, {} x {} per pair", npus(), per_peer_, link_);
  }

 private:
  std::string link_;
  uint32_t per_peer_;
};

}  // namespace

std::unique_ptr<Topology> make_full_mesh_topology(const SystemConfig& system) {
  return std::make_unique<FullMesh>(system);
}

}  // namespace npusim
