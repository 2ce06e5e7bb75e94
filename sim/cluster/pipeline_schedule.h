#pragma once
// The order in which one pipeline stage runs its forward and backward passes
// (docs/training.md): GPipe (all forwards, then all backwards), 1F1B (PipeDream-Flush:
// warm-up forwards, then one forward / one backward, then cool-down backwards) and
// interleaved 1F1B (Megatron-LM, Narayanan et al. SC'21: each stage holds `vpp` model chunks).

#include <cstdint>
#include <vector>

#include "sim/cluster/parallelism.h"

namespace npusim {

struct PassStep {
  bool forward = true;
  uint32_t micro_batch = 0;
  uint32_t chunk = 0;  ///< virtual stage on this rank (0 unless interleaved)
};

/// The passes of `stage` (0-based) of `stages` for `micro_batches` micro-batches, in order.
/// Interleaved needs micro_batches % stages == 0 (checked by check_parallelism).
[[nodiscard]] std::vector<PassStep> stage_schedule(PipelineSchedule schedule, uint32_t stage,
                                                   uint32_t stages, uint32_t micro_batches,
                                                   uint32_t vpp);

}  // namespace npusim
