#pragma once
// A resource that moves bytes at a fixed rate, one request after another (first come, first
// served in the order requests are presented). Used for core ports, L2 slices, HBM channels
// and the die-to-die link. Times are absolute picoseconds (double, so fractional per-byte
// costs do not drift; converted to integer sc_time only where a process waits).

#include <algorithm>
#include <cstdint>

namespace npusim {

class BandwidthServer {
public:
  BandwidthServer() = default;
  /// `bytes_per_ps` > 0.
  explicit BandwidthServer(double bytes_per_ps) : ps_per_byte_(1.0 / bytes_per_ps) {}

  /// Serves `bytes` arriving at `arrive_ps`; returns when the last byte has passed.
  double serve(double arrive_ps, uint64_t bytes) {
    const double start = std::max(arrive_ps, next_free_ps_);
    const double duration = double(bytes) * ps_per_byte_;
    next_free_ps_ = start + duration;
    busy_ps_ += duration;
    return next_free_ps_;
  }

  /// Forgets queued work before `now_ps` (between kernels) and clears the busy counter.
  void reset(double now_ps) {
    next_free_ps_ = now_ps;
    busy_ps_ = 0;
  }

  [[nodiscard]] double busy_ps() const { return busy_ps_; }

private:
  double ps_per_byte_ = 0;
  double next_free_ps_ = 0;
  double busy_ps_ = 0;
};

}  // namespace npusim
