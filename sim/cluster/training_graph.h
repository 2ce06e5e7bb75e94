#pragma once
// The per-rank operator graph of one training step (docs/training.md): for every pipeline
// stage, the forward and backward passes of its micro-batches in schedule order, the tensor-,
// context- and expert-parallel collectives inside them, the pipeline sends and receives
// between stages, the data-parallel gradient reduction and the optimizer. All ranks of a stage
// run the same program (they differ only in which NPUs their groups contain), so the graph
// holds one program per stage.

#include <cstdint>
#include <string>
#include <vector>

#include "sim/cluster/collective.h"
#include "sim/cluster/layer_kernels.h"
#include "sim/cluster/rank_layout.h"

namespace npusim {

enum class OpType : uint8_t { compute, collective, send, recv };
/// What a compute op does (for the breakdown).
enum class ComputeKind : uint8_t { forward, backward, recompute, optimizer };
/// Which parallelism a communication op serves (for the breakdown).
enum class CommKind : uint8_t { tp, cp, ep, dp, pp };
inline constexpr int kCommKinds = 5;

[[nodiscard]] const char* to_string(ComputeKind kind);
[[nodiscard]] const char* to_string(CommKind kind);

/// Streams of a rank: ops of one stream run one at a time in program order.
enum Stream : uint8_t { kComputeStream = 0, kTpStream = 1, kDpStream = 2, kNoStream = 255 };

struct GraphOp {
  OpType type = OpType::compute;
  uint8_t stream = kComputeStream;  ///< recv ops have none: they complete when data arrives
  ComputeKind compute = ComputeKind::forward;
  CommKind comm = CommKind::tp;
  uint32_t cost = 0;   ///< compute: index into TrainingGraph::costs
  uint32_t label = 0;  ///< index into TrainingGraph::labels
  // Collectives.
  CollectiveKind collective = CollectiveKind::all_reduce;
  GroupKind group = GroupKind::tp;
  uint64_t bytes = 0;  ///< collective: CollectiveCall::bytes; send: the message
  // Sends: the stage and op index of the matching recv.
  uint32_t peer_stage = 0;
  uint32_t peer_op = 0;
  std::vector<uint32_t> deps;  ///< ops of the same program that must finish first
};

struct StageProgram {
  std::vector<GraphOp> ops;
};

struct TrainingGraph {
  std::vector<StageProgram> stages;
  std::vector<KernelList> costs;    ///< kernels of each compute op kind
  std::vector<std::string> labels;  ///< op names for timelines ("fwd L3 mlp mb2")
  uint32_t micro_batches = 0;
  [[nodiscard]] uint64_t op_count() const;
};

/// Checks that `par` can run `model`: divisibility of heads, layers, batch and sequence,
/// schedule requirements, EP/CP applicability. InputError naming the failing constraint.
void check_parallelism(const ModelSpec& model, const ParallelConfig& par);

[[nodiscard]] TrainingGraph build_training_graph(const ModelSpec& model, const ParallelConfig& par);

/// Parameters one rank of `stage` holds (after TP / EP splitting, before ZeRO sharding).
[[nodiscard]] uint64_t stage_parameters(const ModelSpec& model, const ParallelConfig& par,
                                        uint32_t stage);

}  // namespace npusim
