#include "sim/cluster/event_queue.h"

#include "sim/base/error.h"

namespace npusim {

void EventQueue::at(TimePs at, Action action) {
  if (at < now_) throw InternalError("event scheduled in the past");
  heap_.push(Event{at, next_seq_++, std::move(action)});
}

TimePs EventQueue::run() {
  while (!heap_.empty()) {
    // Move the action out before popping: it may schedule new events.
    Event event = std::move(const_cast<Event&>(heap_.top()));
    heap_.pop();
    now_ = event.time;
    ++events_run_;
    event.action();
  }
  return now_;
}

}  // namespace npusim
