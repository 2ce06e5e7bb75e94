#pragma once
// Where one rank's step time went (docs/training.md, "Breakdown"), and the rules that charge
// a moment of a rank's compute stream to a category: shared by the training engine and the
// trace replay engine so both account time the same way.

#include <array>
#include <cstddef>

#include "sim/cluster/sim_time.h"
#include "sim/cluster/training_graph.h"

namespace npusim {

/// Where one rank's step time went; the parts add up to the step time.
struct StepBreakdown {
  double forward_s = 0;
  double backward_s = 0;
  double recompute_s = 0;
  double optimizer_s = 0;
  std::array<double, kCommKinds> exposed_comm_s{};  ///< blocking or waited-for communication
  double bubble_s = 0;  ///< waiting for another stage's compute
  double idle_s = 0;    ///< anything else (e.g. waiting for the slowest stage at the end)
  [[nodiscard]] double compute_s() const { return forward_s + backward_s + recompute_s; }
  [[nodiscard]] double total_s() const;
  StepBreakdown& operator+=(const StepBreakdown& o);
  StepBreakdown& operator*=(double f);

  /// Charges `seconds` of compute of `kind`.
  void add_compute(ComputeKind kind, double seconds);
  /// Charges the compute stream's wait from `from` to `to` to what it waited for:
  /// `receive`: a bubble until the transfer started (`transfer_start`), communication of
  /// kind `comm` after; `communication`: all of it to `comm`; `nothing`: idle.
  enum class WaitedFor { nothing, receive, communication };
  void add_wait(WaitedFor what, size_t comm, TimePs from, TimePs to, TimePs transfer_start = 0);
};

}  // namespace npusim
