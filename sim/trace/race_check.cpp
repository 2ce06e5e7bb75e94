#include "sim/trace/race_check.h"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <deque>
#include <iterator>
#include <map>
#include <unordered_map>

#include "sim/base/error.h"
#include "sim/trace/instr_semantics.h"

namespace npusim {
namespace {

/// Vector clock over the pipes of one core: entry p counts the instructions pipe p has
/// executed that are known to happen before the owner.
using Clock = std::array<uint32_t, kPipeCount>;

void join(Clock& into, const Clock& other) {
  for (size_t p = 0; p < kPipeCount; ++p) into[p] = std::max(into[p], other[p]);
}

constexpr size_t pipe_index(Pipe p) {
  return static_cast<size_t>(p);
}
constexpr size_t kScalar = pipe_index(Pipe::SCALAR);

std::string hex(uint64_t v) {
  char buf[24];
  const auto res = std::to_chars(buf, buf + sizeof buf, v, 16);
  return "0x" + std::string(buf, res.ptr);
}

/// Happens-before of one core's instructions, as a vector clock per instruction.
///
/// The core is replayed as the hardware would run it: the scalar unit walks the program in
/// order, executes scalar-unit instructions itself and hands the rest to per-pipe in-order
/// queues; a queue whose head is an unsatisfied WAIT_FLAG holds everything behind it until
/// the matching SET_FLAG executes, which may come later in program order. The clocks only
/// depend on the happens-before graph, not on the order this replay picks.
class HappensBefore {
 public:
  HappensBefore(const KernelTrace& trace, const CoreStream& core)
      : trace_(trace), core_(core), pipe_(core.instrs.size()), clock_(core.instrs.size()) {
    for (size_t i = 0; i < core.instrs.size(); ++i)
      pipe_[i] = execution_pipe(core.instrs[i], core.kind);
  }

  void run() {
    const auto& instrs = core_.instrs;
    for (size_t i = 0; i < instrs.size(); ++i) {
      const size_t p = pipe_index(pipe_[i]);
      unsigned dirty = 0;  // pipes whose queue may now make progress
      if (p == kScalar) {
        if (instrs[i].op == Op::PIPE_BARRIER && instrs[i].barrier_all)
          if (const Pending* stuck = first_blocked())
            deadlock(stuck->index, " before PIPE_BARRIER ALL at " + where(i));
        if (!try_execute(i, frontier_[kScalar], dirty)) deadlock(i, "");
      } else if (!queue_[p].empty() || !try_execute(i, frontier_[kScalar], dirty)) {
        // Dispatch happens now even if execution waits: keep the scalar clock of this moment.
        queue_[p].push_back(Pending{i, frontier_[kScalar]});
      }
      drain(dirty);
    }
    if (const Pending* stuck = first_blocked()) deadlock(stuck->index, "");
  }

  [[nodiscard]] Pipe pipe(size_t i) const { return pipe_[i]; }
  [[nodiscard]] const Clock& clock(size_t i) const { return clock_[i]; }
  /// True if instruction w happens before instruction r.
  [[nodiscard]] bool ordered(size_t w, size_t r) const {
    const size_t p = pipe_index(pipe_[w]);
    return clock_[r][p] >= clock_[w][p];
  }

  /// "line N", or "instruction N" for traces built in memory.
  [[nodiscard]] std::string where(size_t i) const {
    const uint32_t line = core_.instrs[i].line;
    return line != 0 ? "line " + std::to_string(line) : "instruction " + std::to_string(i);
  }

 private:
  struct Pending {
    size_t index;
    Clock dispatch;  // scalar clock when the instruction was dispatched
  };

  static uint64_t flag_key(const Instr& ins) {
    return (uint64_t{pipe_index(ins.flag_src)} * kPipeCount + pipe_index(ins.flag_dst)) << 32 |
           ins.event_id;
  }

  /// Executes instruction i if it can run now; false if it is a WAIT_FLAG without a SET.
  bool try_execute(size_t i, const Clock& dispatch, unsigned& dirty) {
    const Instr& ins = core_.instrs[i];
    const size_t p = pipe_index(pipe_[i]);
    Clock c = frontier_[p];
    join(c, dispatch);
    if (ins.op == Op::WAIT_FLAG) {
      const auto it = flags_.find(flag_key(ins));
      if (it == flags_.end() || it->second.empty()) return false;
      join(c, it->second.front());  // flags count: the k-th WAIT takes the k-th SET
      it->second.pop_front();
    } else if (ins.op == Op::PIPE_BARRIER && ins.barrier_all) {
      for (const Clock& f : frontier_) join(c, f);  // every pipe has drained (checked above)
    }
    ++c[p];
    frontier_[p] = c;
    clock_[i] = c;
    if (ins.op == Op::SET_FLAG) {
      flags_[flag_key(ins)].push_back(c);
      dirty |= 1U << pipe_index(ins.flag_dst);
    }
    return true;
  }

  /// Runs queued instructions of every dirty pipe until each queue is empty or blocked.
  void drain(unsigned dirty) {
    while (dirty != 0) {
      const auto p = static_cast<size_t>(std::countr_zero(dirty));
      dirty &= dirty - 1;
      auto& queue = queue_[p];
      while (!queue.empty() && try_execute(queue.front().index, queue.front().dispatch, dirty))
        queue.pop_front();
    }
  }

  const Pending* first_blocked() const {
    const Pending* first = nullptr;
    for (const auto& queue : queue_)
      if (!queue.empty() && (first == nullptr || queue.front().index < first->index))
        first = &queue.front();
    return first;
  }

  [[noreturn]] void deadlock(size_t i, const std::string& context) const {
    const Instr& ins = core_.instrs[i];
    std::string message =
        "core " + std::string(name_of(core_.kind)) + " " + std::to_string(core_.index) +
        " deadlocks: " + std::string(name_of(ins.op)) +
        " src=" + std::string(name_of(ins.flag_src)) +
        " dst=" + std::string(name_of(ins.flag_dst)) + " id=" + std::to_string(ins.event_id) +
        " at " + where(i) + " never gets its SET_FLAG" + context +
        " (expected a matching SET_FLAG earlier in the program)";
    throw InputError(SourcePos{trace_.path, ins.line, 0}, message);
  }

  const KernelTrace& trace_;
  const CoreStream& core_;
  std::vector<Pipe> pipe_;
  std::vector<Clock> clock_;
  std::array<Clock, kPipeCount> frontier_{};  // clock of each pipe's last instruction
  std::array<std::deque<Pending>, kPipeCount> queue_;
  std::unordered_map<uint64_t, std::deque<Clock>> flags_;  // SETs not yet taken by a WAIT
};

/// For one on-core buffer: which instruction last wrote each byte, per pipe. Keeping only
/// the latest writer per pipe is enough: an earlier write on the same pipe happens before
/// the later one, so a reader unordered with it is unordered with the later one too (that
/// race is reported instead). Byte ranges are kept as disjoint segments keyed by start.
class WriterMap {
 public:
  struct Segment {
    uint64_t end = 0;
    std::array<uint32_t, kPipeCount> writer{};  // instruction index + 1; 0 = none
  };

  /// Records that instruction w on pipe p writes [lo, hi).
  void write(uint64_t lo, uint64_t hi, size_t p, size_t w) {
    split(lo);
    split(hi);
    auto it = segments_.lower_bound(lo);
    for (uint64_t cur = lo; cur < hi;) {
      if (it == segments_.end() || it->first != cur) {  // gap: no writer yet
        const uint64_t gap_end = it != segments_.end() && it->first < hi ? it->first : hi;
        it = segments_.emplace_hint(it, cur, Segment{gap_end, {}});
      }
      it->second.writer[p] = static_cast<uint32_t>(w + 1);
      cur = it->second.end;
      ++it;
    }
    coalesce(lo, hi);
  }

  /// Calls fn(segment_lo, segment_hi, segment) for every segment overlapping [lo, hi).
  template <typename Fn>
  void overlapping(uint64_t lo, uint64_t hi, Fn&& fn) const {
    auto it = segments_.upper_bound(lo);
    if (it != segments_.begin() && std::prev(it)->second.end > lo) --it;
    for (; it != segments_.end() && it->first < hi; ++it) fn(it->first, it->second);
  }

 private:
  /// Makes x a segment boundary if it falls inside a segment.
  void split(uint64_t x) {
    auto it = segments_.upper_bound(x);
    if (it == segments_.begin()) return;
    --it;
    if (it->first < x && x < it->second.end) {
      Segment right = it->second;
      it->second.end = x;
      segments_.emplace_hint(std::next(it), x, right);
    }
  }

  /// Merges touching segments with the same writers around [lo, hi), so rewriting the same
  /// buffers over and over does not fragment the map.
  void coalesce(uint64_t lo, uint64_t hi) {
    auto it = segments_.lower_bound(lo);
    if (it != segments_.begin()) --it;
    while (it != segments_.end() && it->first <= hi) {
      const auto next = std::next(it);
      if (next == segments_.end()) break;
      if (it->second.end == next->first && it->second.writer == next->second.writer) {
        it->second.end = next->second.end;
        segments_.erase(next);
      } else {
        it = next;
      }
    }
  }

  std::map<uint64_t, Segment> segments_;
};

uint64_t range_end(const Access& a) {
  return a.bytes > UINT64_MAX - a.addr ? UINT64_MAX : a.addr + a.bytes;
}

/// Races of one core, in reader order.
void check_core(const KernelTrace& trace, const CoreStream& core, const CoreConfig& config,
                std::vector<Race>& races) {
  HappensBefore hb(trace, core);
  hb.run();

  std::array<WriterMap, kBufferCount> written;
  std::vector<Race> found;  // races of the current reader, one per writer
  for (size_t r = 0; r < core.instrs.size(); ++r) {
    const AccessList list = accesses(core.instrs[r], config);
    const size_t reader_pipe = pipe_index(hb.pipe(r));
    found.clear();
    for (const Access& a : list) {
      if (a.write || a.buffer == Buffer::GM || a.bytes == 0) continue;
      const uint64_t lo = a.addr;
      const uint64_t hi = range_end(a);
      written[static_cast<size_t>(a.buffer)].overlapping(
          lo, hi, [&](uint64_t seg_lo, const WriterMap::Segment& seg) {
            for (size_t p = 0; p < kPipeCount; ++p) {
              if (p == reader_pipe || seg.writer[p] == 0) continue;
              const size_t w = seg.writer[p] - 1;
              if (hb.ordered(w, r)) continue;
              const uint64_t olo = std::max(lo, seg_lo);
              const uint64_t ohi = std::min(hi, seg.end);
              const auto same = std::find_if(found.begin(), found.end(),
                                             [&](const Race& x) { return x.writer_index == w; });
              if (same != found.end()) {  // same writer seen through another segment
                const uint64_t end = std::max(same->addr + same->bytes, ohi);
                same->addr = std::min(same->addr, olo);
                same->bytes = end - same->addr;
                continue;
              }
              Race race;
              race.core_kind = core.kind;
              race.core_index = core.index;
              race.writer_index = w;
              race.writer_line = core.instrs[w].line;
              race.writer_pipe = hb.pipe(w);
              race.reader_index = r;
              race.reader_line = core.instrs[r].line;
              race.reader_pipe = hb.pipe(r);
              race.buffer = a.buffer;
              race.addr = olo;
              race.bytes = ohi - olo;
              found.push_back(race);
            }
          });
    }
    std::sort(found.begin(), found.end(),
              [](const Race& x, const Race& y) { return x.writer_index < y.writer_index; });
    races.insert(races.end(), found.begin(), found.end());
    for (const Access& a : list)
      if (a.write && a.buffer != Buffer::GM && a.bytes != 0)
        written[static_cast<size_t>(a.buffer)].write(a.addr, range_end(a), reader_pipe, r);
  }
}

}  // namespace

std::vector<Race> find_races(const KernelTrace& trace, const ChipConfig& chip) {
  std::vector<Race> races;
  for (const CoreStream& core : trace.cores) check_core(trace, core, chip.core, races);
  return races;
}

std::string format_race(const Race& race, const KernelTrace& trace) {
  auto at = [](uint32_t line, size_t index) {
    return line != 0 ? "line " + std::to_string(line) : "instruction " + std::to_string(index);
  };
  std::string text =
      "race on core " + std::string(name_of(race.core_kind)) + " " +
      std::to_string(race.core_index) + ": " + std::string(name_of(race.reader_pipe)) + " reads " +
      std::string(name_of(race.buffer)) + " [" + hex(race.addr) + ", " +
      hex(race.addr + race.bytes) + ") at " + at(race.reader_line, race.reader_index) +
      ", written by " + std::string(name_of(race.writer_pipe)) + " at " +
      at(race.writer_line, race.writer_index) +
      " (expected a SET_FLAG/WAIT_FLAG pair or PIPE_BARRIER ALL between them)";
  return SourcePos{trace.path, race.reader_line, 0}.str() + ": " + text;
}

}  // namespace npusim
