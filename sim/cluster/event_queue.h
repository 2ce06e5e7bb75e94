#pragma once
// The cluster level's discrete-event core: callbacks ordered by (time, insertion order), so
// two runs of the same input execute events in the same order.

#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

#include "sim/cluster/sim_time.h"

namespace npusim {

class EventQueue {
 public:
  using Action = std::function<void()>;

  [[nodiscard]] TimePs now() const { return now_; }
  /// Runs `action` at absolute time `at` (>= now()).
  void at(TimePs at, Action action);
  /// Runs `action` `delay` after now().
  void after(TimePs delay, Action action) { at(now_ + delay, std::move(action)); }
  /// Runs events until none is left; returns the time of the last one.
  TimePs run();
  [[nodiscard]] uint64_t events_run() const { return events_run_; }
  [[nodiscard]] bool empty() const { return heap_.empty(); }

 private:
  struct Event {
    TimePs time;
    uint64_t seq;
    Action action;
  };
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      return a.time != b.time ? a.time > b.time : a.seq > b.seq;
    }
  };
  std::priority_queue<Event, std::vector<Event>, Later> heap_;
  TimePs now_ = 0;
  uint64_t next_seq_ = 0;
  uint64_t events_run_ = 0;
};

}  // namespace npusim
