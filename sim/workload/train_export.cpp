#include "sim/workload/train_export.h"

#include <map>

#include "sim/base/error.h"
#include "sim/cluster/rank_layout.h"

namespace npusim {

ReplayGraph export_training_graph(const TrainResult& result, uint32_t npus_per_node,
                                  CollectiveAlgo algorithm, KernelCostCache& costs) {
  const TrainingGraph& tg = *result.graph;
  const ParallelConfig& par = result.par;
  const RankLayout layout(par);
  const bool full = result.engine.ranks.size() == result.npus;
  const uint32_t per_node = std::max<uint32_t>(1, npus_per_node);

  ReplayGraph g;
  g.npus = static_cast<uint32_t>(result.npus);
  g.kernels = tg.costs;
  std::vector<TimePs> cost_ps;
  std::vector<double> cost_j;
  for (const KernelList& kernels : tg.costs) {
    double time_s = 0, energy_j = 0;
    for (const KernelUse& k : kernels) {
      const KernelCost& c = costs.price(k.spec);
      time_s += k.count * c.time_s;
      energy_j += k.count * c.energy_j;
    }
    cost_ps.push_back(seconds_to_ps(time_s));
    cost_j.push_back(energy_j);
  }
  for (const std::string& label : tg.labels) g.labels.push_back(label);
  std::map<std::vector<uint32_t>, uint32_t> copy_ids;
  auto copy_set = [&](const std::vector<std::vector<uint32_t>>& copies) {
    if (copies.empty()) return kNoIndex;
    std::vector<uint32_t> ids;
    for (const auto& c : copies) ids.push_back(g.group_index(c));
    const auto [it, fresh] = copy_ids.emplace(ids, static_cast<uint32_t>(g.copy_sets.size()));
    if (fresh) g.copy_sets.push_back(ids);
    return it->second;
  };
  // Which stage sends to each (stage, recv op): the recv's peer.
  std::map<std::pair<uint32_t, uint32_t>, uint32_t> sender_stage;
  for (uint32_t s = 0; s < tg.stages.size(); ++s)
    for (const GraphOp& op : tg.stages[s].ops)
      if (op.type == OpType::send) sender_stage[{op.peer_stage, op.peer_op}] = s;

  for (const RankRun& simulated : result.engine.ranks) {
    const RankCoord coord = layout.coord(simulated.npu);
    const auto& ops = tg.stages[coord.stage].ops;
    ReplayRank rank;
    rank.npu = simulated.npu;
    rank.source = "npusim train (rank " + std::to_string(simulated.npu) + ")";
    rank.streams = {{"compute", false}, {"tp comm", false}, {"dp comm", false}};
    std::array<uint32_t, 3> last{kNoIndex, kNoIndex, kNoIndex};
    for (uint32_t i = 0; i < ops.size(); ++i) {
      const GraphOp& op = ops[i];
      ReplayNode n;
      n.id = i;
      n.label = op.label;
      n.deps = op.deps;
      if (op.stream != kNoStream) {
        n.stream = op.stream;
        if (last[op.stream] != kNoIndex) n.deps.push_back(last[op.stream]);
        last[op.stream] = i;
      }
      switch (op.type) {
        case OpType::compute:
          n.kind = ReplayKind::compute;
          n.category = static_cast<uint8_t>(op.compute);
          n.duration_ps = cost_ps[op.cost];
          n.energy_j = cost_j[op.cost];
          n.kernels = op.cost;
          break;
        case OpType::collective: {
          n.kind = ReplayKind::collective;
          n.category = static_cast<uint8_t>(op.comm);
          n.channel = static_cast<uint8_t>(op.group);
          n.collective = op.collective;
          n.bytes = op.bytes;
          n.algorithm = algorithm;
          const std::vector<uint32_t> members = layout.group(op.group, coord);
          n.group = g.group_index(members);
          if (!full && !in_one_node(members, per_node))
            n.copies = copy_set(layout.sibling_groups(op.group, coord));
          break;
        }
        case OpType::send: {
          n.kind = ReplayKind::send;
          n.category = static_cast<uint8_t>(op.comm);
          n.bytes = op.bytes;
          RankCoord peer = coord;
          peer.stage = op.peer_stage;
          n.peer = layout.npu(peer);
          n.tag = op.peer_op;
          if (!full && !same_node(rank.npu, n.peer, per_node))
            n.copies = copy_set(layout.sibling_transfers(coord, peer));
          break;
        }
        case OpType::recv: {
          n.kind = ReplayKind::recv;
          n.category = static_cast<uint8_t>(op.comm);
          auto it = sender_stage.find({coord.stage, i});
          if (it == sender_stage.end()) throw InternalError("training graph receive without a send");
          RankCoord peer = coord;
          peer.stage = it->second;
          n.peer = layout.npu(peer);
          n.tag = i;
          break;
        }
      }
      rank.nodes.push_back(std::move(n));
    }
    g.ranks.push_back(std::move(rank));
  }
  return g;
}

}  // namespace npusim
