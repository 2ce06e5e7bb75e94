#pragma once
// The graph `npusim train` ran, as a ReplayGraph (for --emit-graph / --emit-chakra): one rank
// per simulated NPU (one per pipeline stage in symmetric mode, every NPU with --full), compute
// nodes carrying their priced duration, energy and kernel list, collectives their member
// lists and (symmetric mode) the copy groups that load the fabric, stream order as
// dependencies. Replaying it gives the train run's step time.

#include <cstdint>

#include "sim/chip/kernel_cost.h"
#include "sim/cluster/replay_graph.h"
#include "sim/cluster/training_run.h"

namespace npusim {

[[nodiscard]] ReplayGraph export_training_graph(const TrainResult& result, uint32_t npus_per_node,
                                                CollectiveAlgo algorithm, KernelCostCache& costs);

}  // namespace npusim
