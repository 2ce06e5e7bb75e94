#pragma once
// The in-order instruction queue in front of one pipe: bounded (queue_depth from config), so
// a full queue stalls the scalar dispatcher just as on the real core.

#include <systemc>
#include <vector>

#include "sim/trace/kernel_trace.h"

namespace npusim {

class PipeQueue {
public:
  explicit PipeQueue(uint32_t depth) : slots_(depth) {}

  [[nodiscard]] bool empty() const { return count_ == 0; }
  [[nodiscard]] bool full() const { return count_ == slots_.size(); }

  void push(const Instr* instr) {
    slots_[(head_ + count_) % slots_.size()] = instr;
    ++count_;
    not_empty.notify();
  }

  /// The instruction pop() would return next; the queue must not be empty.
  [[nodiscard]] const Instr* front() const { return slots_[head_]; }

  const Instr* pop() {
    const Instr* instr = slots_[head_];
    head_ = (head_ + 1) % slots_.size();
    --count_;
    not_full.notify();
    return instr;
  }

  void clear() { head_ = count_ = 0; }

  sc_core::sc_event not_empty;
  sc_core::sc_event not_full;

private:
  std::vector<const Instr*> slots_;
  size_t head_ = 0;
  size_t count_ = 0;
};

}  // namespace npusim
