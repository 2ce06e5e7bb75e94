#pragma once
// What one core records during a kernel: per-pipe busy time and counts, and (on request) the
// timeline of every instruction and flag wait.

#include <array>
#include <cstdint>
#include <vector>

#include "models/power/activity.h"
#include "sim/trace/kernel_trace.h"

namespace npusim {

/// One slice of a pipe's timeline. A flag wait is recorded on the FLOWCTRL lane.
struct PipeRecord {
  Pipe pipe = Pipe::SCALAR;
  Op op = Op::SCALAR;
  bool flag_wait = false;  ///< true: time spent blocked on a flag (FLOWCTRL lane)
  uint32_t line = 0;
  double start_ps = 0;
  double end_ps = 0;       ///< pipe free again (occupancy ends)
  double complete_ps = 0;  ///< result visible (end plus pipeline/memory latency)
};

struct CoreStats {
  std::array<double, kPipeCount> busy_ps{};       ///< occupancy per pipe
  std::array<double, kPipeCount> flag_wait_ps{};  ///< blocked on flags per pipe
  std::array<uint64_t, kPipeCount> instructions{};
  double start_ps = 0;
  double finish_ps = 0;  ///< last result of the core's stream visible
  ActivityCounts counts;
  std::vector<PipeRecord> records;  ///< filled only when recording a timeline
};

}  // namespace npusim
