#include "sim/cluster/pipeline_schedule.h"

#include <algorithm>

namespace npusim {
namespace {

std::vector<PassStep> gpipe(uint32_t micro_batches) {
  std::vector<PassStep> steps;
  for (uint32_t m = 0; m < micro_batches; ++m) steps.push_back({true, m, 0});
  for (uint32_t m = 0; m < micro_batches; ++m) steps.push_back({false, m, 0});
  return steps;
}

std::vector<PassStep> one_f_one_b(uint32_t stage, uint32_t stages, uint32_t micro_batches) {
  const uint32_t warmup = std::min(stages - stage - 1, micro_batches);
  std::vector<PassStep> steps;
  uint32_t next_forward = 0, next_backward = 0;
  for (; next_forward < warmup; ++next_forward) steps.push_back({true, next_forward, 0});
  while (next_forward < micro_batches) {
    steps.push_back({true, next_forward++, 0});
    steps.push_back({false, next_backward++, 0});
  }
  while (next_backward < micro_batches) steps.push_back({false, next_backward++, 0});
  return steps;
}

/// Megatron-LM's interleaved order: virtual micro-batch k (0 .. m*v-1) runs chunk
/// (k / p) % v of micro-batch (k / (p*v)) * p + k % p; backwards visit chunks in reverse.
PassStep virtual_step(bool forward, uint32_t k, uint32_t stages, uint32_t vpp) {
  const uint32_t group = k / (stages * vpp);
  const uint32_t in_group = k % (stages * vpp);
  uint32_t chunk = in_group / stages;
  if (!forward) chunk = vpp - 1 - chunk;
  return {forward, group * stages + in_group % stages, chunk};
}

std::vector<PassStep> interleaved(uint32_t stage, uint32_t stages, uint32_t micro_batches,
                                  uint32_t vpp) {
  const uint32_t total = micro_batches * vpp;
  uint32_t warmup = (stages - stage - 1) * 2 + (vpp - 1) * stages;
  if (micro_batches == stages) warmup = total;  // Megatron: all forwards first in this case
  warmup = std::min(warmup, total);
  std::vector<PassStep> steps;
  uint32_t f = 0, b = 0;
  for (; f < warmup; ++f) steps.push_back(virtual_step(true, f, stages, vpp));
  while (f < total) {
    steps.push_back(virtual_step(true, f++, stages, vpp));
    steps.push_back(virtual_step(false, b++, stages, vpp));
  }
  while (b < total) steps.push_back(virtual_step(false, b++, stages, vpp));
  return steps;
}

}  // namespace

std::vector<PassStep> stage_schedule(PipelineSchedule schedule, uint32_t stage, uint32_t stages,
                                     uint32_t micro_batches, uint32_t vpp) {
  switch (schedule) {
    case PipelineSchedule::gpipe:
      return gpipe(micro_batches);
    case PipelineSchedule::one_f_one_b:
      return one_f_one_b(stage, stages, micro_batches);
    case PipelineSchedule::interleaved:
      return interleaved(stage, stages, micro_batches, vpp);
  }
  return {};
}

}  // namespace npusim
