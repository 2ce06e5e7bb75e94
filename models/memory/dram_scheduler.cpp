#include "models/memory/dram_scheduler.h"

#include <algorithm>
#include <functional>

#include "sim/base/error.h"
#include "sim/base/text.h"

namespace npusim {
namespace {

bool is_column(DramCommand c) {
  return c == DramCommand::rd || c == DramCommand::wr;
}

/// FR-FCFS (Rixner et al., ISCA 2000): ready row hits first, oldest first; otherwise the
/// oldest ready ACT/PRE, never precharging a row that queued bursts still hit.
class FrFcfs : public DramScheduler {
 public:
  [[nodiscard]] DramChoice choose(std::span<const DramCandidate> cands,
                                  uint64_t now) const override {
    DramChoice c;
    for (size_t i = 0; i < cands.size(); ++i) {
      const DramCandidate& k = cands[i];
      if (k.ready > now) continue;
      int& slot = is_column(k.command) ? c.column : c.row;
      if (!is_column(k.command) && k.closes_wanted_row) continue;
      if (slot < 0 || k.seq < cands[size_t(slot)].seq) slot = static_cast<int>(i);
    }
    return c;
  }
};

/// Strict FCFS per pseudo-channel: only the oldest burst of each queue advances, whatever the
/// row buffers hold; between pseudo-channels the older goes first.
class Fcfs : public DramScheduler {
 public:
  [[nodiscard]] DramChoice choose(std::span<const DramCandidate> cands,
                                  uint64_t now) const override {
    DramChoice c;
    for (size_t i = 0; i < cands.size(); ++i) {
      const DramCandidate& k = cands[i];
      if (k.index != 0 || k.ready > now) continue;
      int& slot = is_column(k.command) ? c.column : c.row;
      if (slot < 0 || k.seq < cands[size_t(slot)].seq) slot = static_cast<int>(i);
    }
    return c;
  }
};

struct Entry {
  std::string name;
  std::function<std::unique_ptr<DramScheduler>()> make;
};

/// The registry: adding a scheduler is adding a class above and a line here.
const std::vector<Entry>& entries() {
  static const std::vector<Entry> all = {
      {"frfcfs", [] { return std::make_unique<FrFcfs>(); }},
      {"fcfs", [] { return std::make_unique<Fcfs>(); }},
  };
  return all;
}

}  // namespace

const std::vector<std::string>& dram_scheduler_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const Entry& e : entries()) n.push_back(e.name);
    return n;
  }();
  return names;
}

std::unique_ptr<DramScheduler> make_dram_scheduler(const std::string& name) {
  for (const Entry& e : entries())
    if (e.name == name) return e.make();
  throw InputError("unknown scheduler '" + name + "'" + did_you_mean(name, dram_scheduler_names()) +
                   " (expected one of: " + join(dram_scheduler_names()) + ")");
}

}  // namespace npusim
