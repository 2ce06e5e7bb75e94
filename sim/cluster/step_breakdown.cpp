#include "sim/cluster/step_breakdown.h"

#include <algorithm>
#include <numeric>

namespace npusim {

double StepBreakdown::total_s() const {
  return compute_s() + optimizer_s + bubble_s + idle_s +
         std::accumulate(exposed_comm_s.begin(), exposed_comm_s.end(), 0.0);
}

StepBreakdown& StepBreakdown::operator+=(const StepBreakdown& o) {
  forward_s += o.forward_s;
  backward_s += o.backward_s;
  recompute_s += o.recompute_s;
  optimizer_s += o.optimizer_s;
  for (int k = 0; k < kCommKinds; ++k) exposed_comm_s[k] += o.exposed_comm_s[k];
  bubble_s += o.bubble_s;
  idle_s += o.idle_s;
  return *this;
}

StepBreakdown& StepBreakdown::operator*=(double f) {
  forward_s *= f;
  backward_s *= f;
  recompute_s *= f;
  optimizer_s *= f;
  for (double& c : exposed_comm_s) c *= f;
  bubble_s *= f;
  idle_s *= f;
  return *this;
}

void StepBreakdown::add_compute(ComputeKind kind, double seconds) {
  switch (kind) {
    case ComputeKind::forward: forward_s += seconds; break;
    case ComputeKind::backward: backward_s += seconds; break;
    case ComputeKind::recompute: recompute_s += seconds; break;
    case ComputeKind::optimizer: optimizer_s += seconds; break;
  }
}

void StepBreakdown::add_wait(WaitedFor what, size_t comm, TimePs from, TimePs to,
                             TimePs transfer_start) {
  const double gap = ps_to_seconds(to - from);
  switch (what) {
    case WaitedFor::nothing: idle_s += gap; break;
    case WaitedFor::communication: exposed_comm_s[comm] += gap; break;
    case WaitedFor::receive: {
      const TimePs transfer = std::clamp(transfer_start, from, to);
      bubble_s += ps_to_seconds(transfer - from);
      exposed_comm_s[comm] += ps_to_seconds(to - transfer);
      break;
    }
  }
}

}  // namespace npusim
