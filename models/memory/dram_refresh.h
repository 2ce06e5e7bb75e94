#pragma once
// All-bank refresh bookkeeping of one channel: every pseudo-channel owes a REF every tREFI,
// staggered across the system so pseudo-channels do not all refresh at once. Postponing or
// pulling in refreshes (JEDEC allows up to 8) and per-bank refresh are not modelled.

#include <cstdint>
#include <limits>
#include <vector>

namespace npusim {

class DramRefresh {
 public:
  /// `first_index` is the system-wide index of this channel's pseudo-channel 0, `total` the
  /// number of pseudo-channels in the system (for the stagger). `refi` 0 disables refresh.
  DramRefresh(uint32_t pseudo_channels, uint64_t refi, uint32_t first_index, uint32_t total);

  /// Whether pseudo-channel `pc` owes a refresh at `now`.
  [[nodiscard]] bool due(uint32_t pc, uint64_t now) const { return now >= due_[pc]; }
  /// The REF of `pc` was issued: the next one is due tREFI after this one was due.
  void done(uint32_t pc) { due_[pc] += refi_; }
  /// When the next refresh of `pc` is due (max when refresh is off).
  [[nodiscard]] uint64_t due_at(uint32_t pc) const { return due_[pc]; }
  /// Earliest due time of any pseudo-channel (max when refresh is off).
  [[nodiscard]] uint64_t next_due() const;

 private:
  uint64_t refi_;
  std::vector<uint64_t> due_;
};

}  // namespace npusim
