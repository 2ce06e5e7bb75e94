#pragma once
// One channel's memory controller. Each pseudo-channel has its own read and write queues of
// bursts and its own write-drain state (writes wait until the high watermark, then drain to
// the low one); the pseudo-channels share the channel's row- and column-command buses. All-bank
// refresh per pseudo-channel, open or closed page policy, and a pluggable scheduler choosing
// each cycle's column and row command. Cycle-stepped at the DRAM command clock; the owner calls
// tick() at wake() and skips the cycles in between.

#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "models/memory/dram_bank_state.h"
#include "models/memory/dram_refresh.h"
#include "models/memory/dram_scheduler.h"
#include "models/memory/dram_stats.h"
#include "sim/config/dram_config.h"

namespace npusim {

/// One column access waiting in a controller queue.
struct DramBurst {
  uint32_t channel = 0;
  uint32_t pseudo_channel = 0;
  uint32_t bank_group = 0;
  uint32_t bank = 0;  ///< index within the pseudo-channel (bank_group * banks_per_group + bank)
  uint32_t row = 0;
  uint32_t column = 0;
  bool write = false;
  uint64_t arrive = 0;   ///< cycle it entered the queue
  uint64_t seq = 0;      ///< age, set by the controller
  uint64_t request = 0;  ///< owner's tag
};

/// Told about every burst when its column command issues.
class DramBurstSink {
 public:
  virtual ~DramBurstSink() = default;
  /// `done` is the cycle of its last data beat on the bus.
  virtual void burst_issued(const DramBurst& burst, uint64_t done) = 0;
};

class DramController {
 public:
  static constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();

  /// `refresh_index`/`refresh_total`: this channel's first pseudo-channel among all of the
  /// system's, for staggering refreshes.
  DramController(uint32_t channel, const DramGeometry& geometry, const DramTiming& timing,
                 const DramControllerConfig& config, uint32_t refresh_index,
                 uint32_t refresh_total, DramStats& stats);

  /// Free entries in a pseudo-channel's read or write queue.
  [[nodiscard]] uint32_t room(uint32_t pseudo_channel, bool write) const;
  /// Queues a burst at cycle `now` (the channel wakes at `now`).
  void enqueue(const DramBurst& burst, uint64_t now);
  /// Issues what the timing rules and the scheduler allow at cycle `now` (>= wake()).
  void tick(uint64_t now, DramBurstSink& sink);
  /// Next cycle at which tick() may issue something (kNever when idle with refresh off).
  [[nodiscard]] uint64_t wake() const { return wake_; }
  [[nodiscard]] bool empty() const { return queued_ == 0; }
  [[nodiscard]] bool draining_writes(uint32_t pseudo_channel) const {
    return queues_[pseudo_channel].writing;
  }

  /// Appends every issued command here when set (tests).
  std::vector<DramCommandRecord>* log = nullptr;

 private:
  struct Queues {
    std::vector<DramBurst> reads, writes;  // oldest first
    bool writing = false;                  // draining writes
    [[nodiscard]] std::vector<DramBurst>& active() { return writing ? writes : reads; }
  };

  void update_mode(uint32_t pc);
  /// Whether update_mode() would switch some pseudo-channel's drain mode now.
  [[nodiscard]] bool mode_may_change() const;
  /// Refresh work for due pseudo-channels; returns whether it used the row-command bus.
  bool refresh(uint64_t now);
  void build_candidates(uint64_t now);
  void issue_column(const DramCandidate& k, uint64_t now, DramBurstSink& sink);
  void issue_row(const DramBurst& burst, DramCommand cmd, uint64_t now);
  [[nodiscard]] bool row_wanted(const DramBurst& burst) const;
  void record(uint64_t cycle, DramCommand cmd, uint32_t pc, uint32_t bank, uint32_t row,
              uint32_t column, bool auto_pre);

  uint32_t channel_;
  DramGeometry g_;
  DramTiming t_;
  DramControllerConfig c_;
  std::unique_ptr<DramScheduler> scheduler_;
  DramRefresh refresh_;
  DramStats& stats_;
  std::vector<DramBankState> pcs_;
  std::vector<Queues> queues_;        // per pseudo-channel
  std::vector<uint8_t> refreshing_;   // per pseudo-channel: REF owed, no new ACT or PRE
  std::vector<uint64_t> prea_at_;     // per pseudo-channel owing a REF: its precharge-all cycle
  std::vector<DramCandidate> candidates_;  // this cycle's, all pseudo-channels
  /// One bank as the candidates of this cycle see it (valid when stamp == stamp_).
  struct BankView {
    uint64_t stamp = 0;
    bool open = false;
    bool hit = false;  // a queued burst hits the open row
    uint32_t row = 0;
    uint64_t act = 0, pre = 0, rd = 0, wr = 0;  // earliest cycles, command buses included
  };
  std::vector<BankView> views_;  // per pseudo-channel bank
  uint64_t stamp_ = 0;
  uint64_t next_seq_ = 0;
  uint64_t queued_ = 0;
  uint64_t column_bus_free_ = 0;
  uint64_t row_bus_free_ = 0;
  uint64_t wake_ = 0;
};

}  // namespace npusim
