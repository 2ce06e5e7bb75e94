#pragma once
// Runs kernel traces on the SystemC chip model.
//
// SystemC elaborates one module hierarchy per process, so a process builds one
// ChipSimulator (one chip config) and may replay any number of kernels on it in sequence;
// caches, queues and counters are reset between kernels while simulated time keeps going.
// A different chip needs another process (the CLI's regress and sweep commands spawn them).

#include <memory>

#include "sim/chip/chip_result.h"
#include "sim/config/chip_config.h"
#include "sim/trace/kernel_trace.h"

namespace npusim {

struct ChipRunOptions {
  bool timeline = false;  ///< keep per-instruction records for a timeline
};

class ChipModel;

class ChipSimulator {
public:
  /// Builds the chip model. Throws InternalError if this process already built one.
  explicit ChipSimulator(ChipConfig chip);
  ~ChipSimulator();
  ChipSimulator(const ChipSimulator&) = delete;
  ChipSimulator& operator=(const ChipSimulator&) = delete;

  [[nodiscard]] const ChipConfig& config() const { return chip_; }

  /// Validates the trace against the chip (InputError on a bad trace), replays it and
  /// returns the measurements. A deadlocked trace is an InputError naming the waiting lines.
  ChipRunResult run(const KernelTrace& trace, const ChipRunOptions& options = {});

private:
  ChipConfig chip_;
  std::unique_ptr<ChipModel> model_;
  bool usable_ = true;  ///< false after a deadlock left processes blocked
};

}  // namespace npusim
