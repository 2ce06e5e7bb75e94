#pragma once
// `npusim train --search`: which tp x pp x dp x micro-batch x recompute runs a model fastest
// (or with the least energy) on a given number of NPUs, and why the other choices fail.
// Candidates are screened without simulating (divisibility via check_parallelism, memory via
// memory_per_npu); only the feasible ones run a training step (docs/training.md, "Search").

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/cluster/training_run.h"

namespace npusim {

/// The values each searched dimension may take; dp follows as npus / (tp x pp x cp).
struct SearchSpace {
  uint64_t npus = 0;
  std::vector<uint32_t> tp, pp, micro_batch;
  std::vector<Recompute> recompute;  ///< in order of increasing extra compute
};

enum class SearchObjective { time, energy };

struct SearchCandidate {
  /// ok: simulated. invalid: a parallelism constraint fails. oom: does not fit in HBM.
  /// dominated: a cheaper recompute of the same split fits, so this one cannot be better.
  /// failed: the simulation refused it (reason says why).
  enum class Status { ok, invalid, oom, dominated, failed };
  ParallelConfig par;
  Status status = Status::ok;
  std::string reason;                 ///< empty for ok
  std::optional<TrainResult> result;  ///< set for ok
};

[[nodiscard]] const char* to_string(SearchCandidate::Status status);

/// Default space for `npus` NPUs of `cluster`: tp the powers of two up to a node (at most 32)
/// dividing npus, pp every divisor of npus / tp up to the layer count, micro-batch 1, 2, 4, 8,
/// recompute none, selective, full. Dimensions `fixed` says are kept at base's value.
struct FixedDimensions {
  bool tp = false, pp = false, micro_batch = false, recompute = false;
};
[[nodiscard]] SearchSpace default_search_space(const ModelSpec& model,
                                               const ClusterConfig& cluster, uint64_t npus,
                                               const ParallelConfig& base,
                                               const FixedDimensions& fixed);

/// Called before each simulation: candidate index (0-based), count to simulate, the config.
using SearchProgress = std::function<void(size_t, size_t, const ParallelConfig&)>;

/// Every candidate of `space` (base supplies everything not searched: cp, ep, vpp, sp, ZeRO,
/// schedule, global batch, overlap switches), feasible ones simulated, sorted best first by
/// `objective` (feasible before infeasible). InputError if npus cannot be used at all on the
/// cluster (more than it has, not whole nodes).
[[nodiscard]] std::vector<SearchCandidate> search_parallelism(
    const ModelSpec& model, const ClusterConfig& cluster, const TrainOptions& base,
    const SearchSpace& space, SearchObjective objective, KernelCostCache& costs,
    const SearchProgress& progress = {});

}  // namespace npusim
