// Structural routing on a NetworkGraph built by cluster_network.cpp: node fabric inside a
// node, supernode switch inside a supernode, else up the scale-out tree to the lowest common
// switch and down again. No tables: each route is a few array look-ups.

#include "sim/cluster/network_graph.h"

#include <algorithm>
#include <string>

#include "sim/base/error.h"

namespace npusim {

const char* to_string(LinkTier tier) {
  switch (tier) {
    case LinkTier::scale_up: return "scale_up";
    case LinkTier::supernode: return "supernode";
    case LinkTier::scale_out: return "scale_out";
  }
  return "?";
}

NetworkGraph::NetworkGraph() : impl_(std::make_unique<Impl>()) {}
NetworkGraph::~NetworkGraph() = default;
NetworkGraph::NetworkGraph(NetworkGraph&&) noexcept = default;
NetworkGraph& NetworkGraph::operator=(NetworkGraph&&) noexcept = default;

namespace {

void need(uint32_t link, const char* what) {
  if (link == kNoLink) throw InternalError(std::string("network graph has no ") + what + " link");
}

}  // namespace

std::vector<uint32_t> NetworkGraph::route(uint32_t src, uint32_t dst) const {
  if (src >= npus_ || dst >= npus_)
    throw InternalError("route between NPUs " + std::to_string(src) + " and " +
                        std::to_string(dst) + " of a " + std::to_string(npus_) + "-NPU network");
  std::vector<uint32_t> path;
  const Impl& g = *impl_;
  if (src == dst || g.ideal) return path;

  if (same_node(src, dst)) {
    const uint32_t group = src / g.mesh_group;
    if (g.mesh_group > 1 && group == dst / g.mesh_group) {
      const uint32_t size = std::min(g.mesh_group, npus_ - group * g.mesh_group);
      const uint32_t a = src % g.mesh_group;
      const uint32_t b = dst % g.mesh_group;
      path.push_back(g.mesh_base[group] + a * (size - 1) + (b < a ? b : b - 1));
      return path;
    }
    need(g.bridge_up[src], "node switch");
    path.push_back(g.bridge_up[src]);
    path.push_back(g.bridge_down[dst]);
    return path;
  }

  if (g.supernode_npus != 0 && src / g.supernode_npus == dst / g.supernode_npus) {
    need(g.super_up[src], "supernode");
    path.push_back(g.super_up[src]);
    path.push_back(g.super_down[dst]);
    return path;
  }

  // Scale-out: climb from both leaves in lockstep (all leaves have the same depth) until
  // the two branches meet; the destination side is walked back down in reverse.
  need(g.nic_up[src], "NIC");
  path.push_back(g.nic_up[src]);
  uint32_t a = g.npu_leaf[src];
  uint32_t b = g.npu_leaf[dst];
  std::vector<uint32_t> down;
  while (a != b) {
    const Impl::Switch& sa = g.switches[a];
    const Impl::Switch& sb = g.switches[b];
    if (sa.parent == kNoLink || sb.parent == kNoLink)
      throw InternalError("scale-out switches without a common ancestor");
    path.push_back(sa.up);
    down.push_back(sb.down);
    a = sa.parent;
    b = sb.parent;
  }
  path.insert(path.end(), down.rbegin(), down.rend());
  path.push_back(g.nic_down[dst]);
  return path;
}

TimePs NetworkGraph::path_latency(uint32_t src, uint32_t dst) const {
  TimePs total = 0;
  for (uint32_t id : route(src, dst)) total += links_[id].latency_ps;
  return total;
}

bool NetworkGraph::node_is_full_mesh() const {
  return !impl_->ideal && npus_per_node_ > 1 && impl_->mesh_group == npus_per_node_;
}

LinkTier NetworkGraph::tier_between(uint32_t a, uint32_t b) const {
  if (same_node(a, b)) return LinkTier::scale_up;
  if (impl_->supernode_npus != 0 && a / impl_->supernode_npus == b / impl_->supernode_npus)
    return LinkTier::supernode;
  return LinkTier::scale_out;
}

}  // namespace npusim
