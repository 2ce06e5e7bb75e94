#pragma once
// Event counts a run accumulates. The energy model prices them (energy_model.h); the report
// shows the byte counts as traffic per memory level.

#include <array>
#include <cstdint>

#include "sim/base/types.h"

namespace npusim {

struct ActivityCounts {
  std::array<double, kDTypeCount> macs{};  ///< cube multiply-accumulates by input dtype
  uint64_t vector_bytes = 0;               ///< vector operand bytes processed
  double vector_flops = 0;
  uint64_t scalar_instrs = 0;              ///< instructions issued by the scalar units
  /// On-core buffer traffic. Index Buffer::GM counts the cores' own GM reads/writes.
  std::array<uint64_t, kBufferCount> read_bytes{};
  std::array<uint64_t, kBufferCount> write_bytes{};
  uint64_t l2_hit_bytes = 0;
  uint64_t l2_miss_bytes = 0;
  uint64_t l2_write_bytes = 0;
  uint64_t l2_writeback_bytes = 0;  ///< dirty lines evicted to HBM
  uint64_t hbm_read_bytes = 0;
  uint64_t hbm_write_bytes = 0;
  uint64_t noc_bytes = 0;
  uint64_t die_link_bytes = 0;

  ActivityCounts& operator+=(const ActivityCounts& other);
};

}  // namespace npusim
