// Single switch: every NPU has `bridge.links_per_npu` x `bridge.link` to one non-blocking
// switch (DGX A100: 12 NVLink3 links per GPU into the NVSwitch plane, modelled as one
// switch); every route is NPU -> switch -> NPU.
#include <fmt/format.h>

#include "models/system/topology.h"

namespace npusim {
namespace {

class SingleSwitch final : public Topology {
 public:
  explicit SingleSwitch(const SystemConfig& s) : Topology(s.npus), t_(s.topology) {
    switch_ = add_switch("switch", t_.bridge.latency_ns);
    for (uint32_t a = 0; a < s.npus; ++a)
      connect(a, switch_, t_.bridge.link, t_.bridge.links_per_npu);
  }
  [[nodiscard]] std::string_view kind() const override { return "switch"; }
  [[nodiscard]] std::vector<uint32_t> route(uint32_t src, uint32_t dst) const override {
    return {link_between(src, switch_), link_between(switch_, dst)};
  }
  [[nodiscard]] std::string describe() const override {
    return fmt::format("{} NPUs on one switch, {} x {} each", npus(), t_.bridge.links_per_npu,
                       t_.bridge.link);
  }

 private:
  TopologyConfig t_;
  uint32_t switch_ = 0;
};

}  // namespace

std::unique_ptr<Topology> make_switch_topology(const SystemConfig& system) {
  return std::make_unique<SingleSwitch>(system);
}

}  // namespace npusim
