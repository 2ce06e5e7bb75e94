#pragma once
// Command schedulers: given what every queued burst needs next, choose what a channel issues
// this cycle (at most one column command and one row command: HBM has separate column and row
// command buses, shared by the channel's pseudo-channels). Schedulers sit behind one interface and are chosen by name
// (`controller.scheduler` in a DRAM preset).

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "models/memory/dram_bank_state.h"

namespace npusim {

/// What the controller tells a scheduler about one queued burst of any pseudo-channel of the
/// channel (in no particular order; `seq` gives the age).
struct DramCandidate {
  uint32_t pseudo_channel = 0;
  uint32_t index = 0;        ///< position in its pseudo-channel's active queue (0: the oldest)
  uint64_t seq = 0;          ///< age: admission order within the channel (smaller is older)
  DramCommand command = DramCommand::act;  ///< ACT, PRE, RD or WR
  uint64_t ready = 0;        ///< earliest cycle the command may issue (rules and buses)
  bool closes_wanted_row = false;  ///< a PRE of a row that other queued bursts still hit
};

struct DramChoice {
  int column = -1;  ///< candidate (position in the span) whose RD/WR issues, or -1
  int row = -1;     ///< candidate whose ACT/PRE issues, or -1
};

class DramScheduler {
 public:
  virtual ~DramScheduler() = default;
  [[nodiscard]] virtual DramChoice choose(std::span<const DramCandidate> candidates,
                                          uint64_t now) const = 0;
};

/// Registered scheduler names.
[[nodiscard]] const std::vector<std::string>& dram_scheduler_names();

/// Builds a registered scheduler; throws InputError for an unknown name (with a did-you-mean).
[[nodiscard]] std::unique_ptr<DramScheduler> make_dram_scheduler(const std::string& name);

}  // namespace npusim
