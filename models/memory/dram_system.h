#pragma once
// A die's DRAM: channels of controllers behind one address map. Requests (address, bytes,
// read or write, arrival time) are split into bursts, queued at their channels when there is
// room, and run until drained; each request reports when its last burst's data passed the
// bus. Plain C++ (no SystemC), deterministic, cycle-stepped at the DRAM command clock with idle
// cycles skipped. How the SystemC chip model uses it: docs/memory.md ("Plugged into the chip
// model").

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "models/memory/dram_address_map.h"
#include "models/memory/dram_controller.h"
#include "models/memory/dram_stats.h"
#include "models/memory/dram_timing.h"
#include "sim/config/dram_config.h"

namespace npusim {

struct DramSystemConfig {
  DramConfig dram;
  uint32_t channels = 0;          ///< the chip's hbm.channels
  uint32_t interleave_bytes = 0;  ///< the chip's hbm.interleave_bytes
  /// Bursts per channel queued or in flight at once; 0 leaves only the controller queues.
  uint32_t max_outstanding = 0;
  bool record_commands = false;  ///< keep every command (commands()), for tests
};

struct DramRequest {
  uint64_t addr = 0;
  uint32_t bytes = 0;
  bool write = false;
  double arrive_ps = 0;  ///< the request may enter its channels from this time on
};

struct DramCompletion {
  uint64_t id = 0;        ///< position of the request in its source
  double arrive_ps = 0;   ///< as requested
  double admit_ps = 0;    ///< entered the controller queues
  double done_ps = 0;     ///< last data beat on the bus
  bool write = false;
  uint32_t bytes = 0;
};

/// Requests in arrival order, pulled one at a time.
class DramRequestSource {
 public:
  virtual ~DramRequestSource() = default;
  /// The next request without taking it; nullptr when there are no more.
  [[nodiscard]] virtual const DramRequest* peek() = 0;
  virtual void pop() = 0;
};

class DramSystem : private DramBurstSink {
 public:
  /// Throws InputError for a bad address map, scheduler or interleave.
  explicit DramSystem(const DramSystemConfig& config);
  ~DramSystem() override;

  /// Queues a request for run() (arrival times must not decrease); returns its id.
  uint64_t submit(const DramRequest& request);
  /// Runs the submitted requests until every one has completed; see results().
  void run();
  /// Completions of run(), by id.
  [[nodiscard]] const std::vector<DramCompletion>& results() const { return results_; }

  /// Runs requests pulled from `source` until it is empty and all have completed, calling
  /// `done` for each as its last burst issues. An arrived request waits in the backlog of the
  /// pseudo-channel of its first burst and enters the controller queues, in order per
  /// pseudo-channel, when every queue it touches has room (and max_outstanding allows). The
  /// backlogs together hold at most 1024 requests per pseudo-channel; while they are full the
  /// source waits (the open-loop window).
  void run(DramRequestSource& source, const std::function<void(const DramCompletion&)>& done);

  [[nodiscard]] const DramStats& stats() const { return stats_; }
  [[nodiscard]] DramEnergy energy() const { return dram_energy(stats_, config_.dram.energy); }
  [[nodiscard]] const DramGeometry& geometry() const { return geometry_; }
  [[nodiscard]] const DramTiming& timing() const { return timing_; }
  [[nodiscard]] const DramAddressMap& address_map() const { return *map_; }
  /// Pin bandwidth of all channels, bytes/s.
  [[nodiscard]] double peak_bytes_per_s() const;
  /// Time of the last data beat so far.
  [[nodiscard]] double end_ps() const { return double(end_cycle_) * timing_.tck_ps; }
  /// Cycles simulated (the current cycle).
  [[nodiscard]] uint64_t now() const { return now_; }
  /// Every command issued, when record_commands is set (auto-precharges at their own cycle,
  /// so the list is not sorted by cycle).
  [[nodiscard]] const std::vector<DramCommandRecord>& commands() const { return commands_; }

 private:
  struct InFlight {
    uint64_t id = 0;
    double arrive_ps = 0;
    uint64_t admit = 0;
    uint64_t done = 0;
    uint32_t remaining = 0;
    uint32_t bytes = 0;
    bool write = false;
  };
  /// A request that has arrived but not yet entered its controllers, in the backlog of the
  /// channel of its first burst.
  struct Pending {
    DramRequest request;
    uint64_t id = 0;
  };

  void burst_issued(const DramBurst& burst, uint64_t done) override;
  /// Pulls arrived requests from `source` into the channel backlogs; returns the next arrival
  /// cycle (kNever if none is known) and whether a full backlog stopped the pulling.
  uint64_t pull(DramRequestSource& source, bool& stopped);
  /// Moves backlog heads into their controllers while they fit; returns whether a head waits
  /// for max_outstanding.
  bool admit_backlogs();
  /// Maps `request` into bursts_ and counts them per channel in counts_/touched_.
  void map_request(const DramRequest& request);
  [[nodiscard]] bool fits(bool write);
  void admit(const Pending& pending);
  void retire(uint32_t channel);

  DramSystemConfig config_;
  DramGeometry geometry_;
  DramTiming timing_;
  std::unique_ptr<DramAddressMap> map_;
  DramStats stats_;
  std::vector<DramController> channels_;
  std::vector<uint32_t> outstanding_;  // per channel: bursts queued or in flight
  std::vector<std::priority_queue<uint64_t, std::vector<uint64_t>, std::greater<>>> in_flight_;
  std::vector<InFlight> slots_;
  std::vector<uint32_t> free_slots_;
  std::vector<std::deque<Pending>> backlog_;  // per pseudo-channel of the system, arrival order
  uint64_t backlog_requests_ = 0;
  uint64_t backlog_limit_ = 0;
  std::vector<DramAddress> bursts_;   // scratch: the request being mapped
  std::vector<uint32_t> counts_;      // scratch: its bursts per pseudo-channel of the system
  std::vector<uint32_t> touched_;     // scratch: pseudo-channels it touches
  uint64_t next_id_ = 0;
  uint64_t now_ = 0;
  uint64_t end_cycle_ = 0;
  const std::function<void(const DramCompletion&)>* done_ = nullptr;
  std::vector<DramRequest> submitted_;
  std::vector<DramCompletion> results_;
  std::vector<DramCommandRecord> commands_;
};

/// A DramSystem for a chip's DRAM: as the constructor, but a problem (the chip's interleave
/// against the DRAM's rows) is reported at the chip file as an hbm.* key.
[[nodiscard]] std::unique_ptr<DramSystem> make_chip_dram_system(const DramSystemConfig& config,
                                                                const std::string& chip_path);

}  // namespace npusim
