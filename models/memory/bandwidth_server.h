#pragma once
// A resource that moves bytes at a fixed rate: core ports, L2 slices, HBM channels and the
// die-to-die link.
//
// Requests are presented in the order SystemC processes run, but a DMA engine presents all
// requests of one instruction at once with arrival times spread into the future. A plain
// "next free time" server would let such a booking block a request that arrives earlier
// from another core. This server keeps a calendar of busy intervals instead and places each
// request in the earliest gap, at or after its arrival, that is long enough to hold it
// (non-preemptive first fit). Times are absolute picoseconds (double, so fractional per-byte
// costs do not drift; converted to integer sc_time only where a process waits).

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace npusim {

class BandwidthServer {
public:
  BandwidthServer() = default;
  /// `bytes_per_ps` > 0.
  explicit BandwidthServer(double bytes_per_ps) : ps_per_byte_(1.0 / bytes_per_ps) {}

  /// Serves `bytes` arriving at `arrive_ps`, each taking `cost` times the server's time per
  /// byte; returns when the last byte has passed. `now_ps` is the current simulation time:
  /// no request can arrive before it, so busy intervals that ended earlier are forgotten.
  double serve(double now_ps, double arrive_ps, uint64_t bytes, double cost = 1.0);

  /// Forgets all bookings (between kernels) and clears the busy counter.
  void reset() {
    busy_.clear();
    first_ = 0;
    busy_ps_ = 0;
  }

  [[nodiscard]] double busy_ps() const { return busy_ps_; }

private:
  double ps_per_byte_ = 0;
  double busy_ps_ = 0;
  /// Booked [start, end) intervals, disjoint and sorted; entries before first_ have ended.
  /// A vector, not a tree: the calendar holds few intervals and this is the hottest code.
  std::vector<std::pair<double, double>> busy_;
  size_t first_ = 0;
};

}  // namespace npusim
