#pragma once
// Where each rank of a parallel job sits and which ranks form its communication groups.
// Order (fastest first) as Megatron-LM's default: tensor, context, data, pipeline, so a TP
// group stays inside a node and pipeline stages are the outermost split:
//   npu = tp_rank + tp * (cp_rank + cp * (dp_rank + dp * stage)).
// Expert-parallel groups are `ep` consecutive ranks of the flattened (dp, cp) index; the
// ranks holding the same experts (one per EP group, every ep-th flattened index) form the
// expert-data-parallel group, over which expert gradients are reduced (Megatron-Core's
// expert data parallel group).

#include <cstdint>
#include <vector>

#include "sim/cluster/parallelism.h"

namespace npusim {

/// Communication groups a training op can use (edp: expert data parallel).
enum class GroupKind { tp, cp, dp, ep, edp };
inline constexpr uint64_t kGroupKinds = 5;

struct RankCoord {
  uint32_t stage = 0;
  uint32_t tp = 0;
  uint32_t cp = 0;
  uint32_t dp = 0;
};

/// NPU ids fill nodes in order, `per_node` to a node: whether `a` and `b` share one.
[[nodiscard]] inline bool same_node(uint32_t a, uint32_t b, uint32_t per_node) {
  return a / per_node == b / per_node;
}

/// Whether every NPU of `members` sits in the first one's node. A group in one node needs no
/// sibling copies in symmetric mode: a node's links are private to its NPUs.
[[nodiscard]] inline bool in_one_node(const std::vector<uint32_t>& members, uint32_t per_node) {
  for (uint32_t m : members)
    if (!same_node(m, members.front(), per_node)) return false;
  return true;
}

class RankLayout {
 public:
  explicit RankLayout(const ParallelConfig& par) : par_(par) {}

  [[nodiscard]] uint32_t npu(const RankCoord& c) const;
  [[nodiscard]] RankCoord coord(uint32_t npu) const;
  [[nodiscard]] uint32_t npus() const { return static_cast<uint32_t>(par_.npus()); }

  /// Members of `kind`'s group that contains `c`, in group-rank order. The dp group spans
  /// dp x cp ranks (gradients are reduced over both, as Megatron-LM does); the edp group the
  /// dp x cp / ep of them that hold the same experts.
  [[nodiscard]] std::vector<uint32_t> group(GroupKind kind, const RankCoord& c) const;
  /// A number naming that group (equal for all its members, distinct between groups).
  [[nodiscard]] uint64_t group_id(GroupKind kind, const RankCoord& c) const;
  /// The other groups of `kind` in the same stage as `c`: the copies a symmetric simulation
  /// stands for with the group of `c`.
  [[nodiscard]] std::vector<std::vector<uint32_t>> sibling_groups(GroupKind kind,
                                                                  const RankCoord& c) const;
  /// The same pipeline transfer from stage `from.stage` to `to.stage` between every other
  /// (dp, cp, tp) position: {sender, receiver} pairs a symmetric simulation stands for.
  [[nodiscard]] std::vector<std::vector<uint32_t>> sibling_transfers(const RankCoord& from,
                                                                     const RankCoord& to) const;

 private:
  ParallelConfig par_;
};

}  // namespace npusim
