#pragma once
// Operator lists of the classic nets (`kind: ops` model files), generated from each net's
// standard configuration rather than listed by hand.

#include <cstdint>
#include <string>
#include <vector>

#include "sim/config/model_config.h"

namespace npusim::config {

/// Generators a `generator:` key may name.
[[nodiscard]] const std::vector<std::string>& op_generators();

/// ResNet-50 v1.5 (He et al. 2016, torchvision / NVIDIA DeepLearningExamples v1.5: stride 2
/// in the 3x3 conv of a bottleneck): conv1 7x7/2, max pool 3x3/2, stages of [3, 4, 6, 3]
/// bottlenecks of width 64, 128, 256, 512 (x4 output), global average pool, fc. Batch 1.
/// `image_size` must be a multiple of 32.
[[nodiscard]] std::vector<OpSpec> resnet50_v15_ops(uint32_t image_size, uint32_t num_classes);

}  // namespace npusim::config
