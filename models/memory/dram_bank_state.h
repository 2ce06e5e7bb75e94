#pragma once
// Timing state of one pseudo-channel: its banks, bank groups and the pseudo-channel itself.
// For each command it answers the earliest cycle the command may issue, enforcing every rule
// of docs/memory.md ("Timing rules"), and it records issued commands. Command-bus occupancy
// (shared by the pseudo-channels of a channel) is the controller's.

#include <array>
#include <cstdint>
#include <vector>

#include "models/memory/dram_timing.h"

namespace npusim {

enum class DramCommand : uint8_t { act, pre, rd, wr, ref };

[[nodiscard]] const char* name_of(DramCommand c);

class DramBankState {
 public:
  DramBankState(const DramGeometry& geometry, const DramTiming& timing);

  /// Bank index within the pseudo-channel: bank_group * banks_per_group + bank.
  [[nodiscard]] uint32_t index(uint32_t bank_group, uint32_t bank) const {
    return bank_group * banks_per_group_ + bank;
  }
  [[nodiscard]] bool is_open(uint32_t bank) const { return banks_[bank].open; }
  [[nodiscard]] uint32_t open_row(uint32_t bank) const { return banks_[bank].row; }
  [[nodiscard]] bool all_closed() const { return open_banks_ == 0; }

  /// Earliest cycle `cmd` may issue to `bank` (ignored for REF). ACT needs the bank closed,
  /// RD/WR open, REF every bank closed; the caller asks only for legal commands.
  [[nodiscard]] uint64_t earliest(DramCommand cmd, uint32_t bank) const;

  /// Records `cmd` at cycle `t` (>= earliest). For RD/WR with `auto_precharge` the bank closes
  /// as soon as the rules allow; the returned cycle is that internal PRE (else 0).
  uint64_t issue(DramCommand cmd, uint32_t bank, uint32_t row, uint64_t t,
                 bool auto_precharge = false);

 private:
  struct Bank {
    bool open = false;
    uint32_t row = 0;
    uint64_t act_time = 0;
    uint64_t act_ready = 0;  // tRC after ACT, tRP after PRE, tRFC after REF
    uint64_t pre_ready = 0;  // tRAS after ACT, tRTP after RD, write recovery after WR
    uint64_t rd_ready = 0;   // tRCD_RD after ACT
    uint64_t wr_ready = 0;   // tRCD_WR after ACT
  };
  struct Group {
    uint64_t act_ready = 0;  // tRRD_L
    uint64_t rd_ready = 0;   // tCCD_L after RD, tWTR_L after write data
    uint64_t wr_ready = 0;   // tCCD_L after WR, read-to-write turnaround after RD
  };

  void close(Bank& bank, uint64_t pre_time);

  DramTiming t_;
  uint32_t banks_per_group_;
  std::vector<Bank> banks_;
  std::vector<Group> groups_;
  uint32_t open_banks_ = 0;
  // Pseudo-channel-wide rules.
  uint64_t act_ready_ = 0;  // tRRD_S
  uint64_t rd_ready_ = 0;   // tCCD_S after RD, tWTR_S after write data
  uint64_t wr_ready_ = 0;   // tCCD_S after WR, turnaround after RD
  std::array<uint64_t, 4> last_acts_{};  // ring of the last four ACT cycles (tFAW)
  uint32_t act_count_ = 0;
};

}  // namespace npusim
