#pragma once
// One Da Vinci core (a coupled AI core, or on split chips an AIC cube core or AIV vector
// core) as a SystemC module.
//
// A scalar dispatcher walks the core's instruction stream in program order, spending
// dispatch_cycles per instruction, and pushes each into the bounded queue of the pipe that
// executes it. Each pipe is a thread that executes its queue in order, concurrently with the
// other pipes. Only SET_FLAG/WAIT_FLAG, PIPE_BARRIER, cross-core flags and full queues order
// pipes against each other. An instruction occupies its pipe for its issue time; its result
// becomes visible `latency` later, which is what flags and barriers wait for.
// GM traffic leaves through `to_noc` as timing-only TLM-2.0 transactions.

#include <array>
#include <memory>
#include <string>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <vector>

#include "models/core/core_stats.h"
#include "models/core/pipe_queue.h"
#include "models/memory/bandwidth_server.h"
#include "sim/config/chip_config.h"

namespace npusim {

class AiCore : public sc_core::sc_module {
public:
  tlm_utils::simple_initiator_socket<AiCore> to_noc;

  AiCore(sc_core::sc_module_name name, const ChipConfig& chip, CoreKind kind, uint32_t index);

  [[nodiscard]] CoreKind core_kind() const { return kind_; }
  [[nodiscard]] uint32_t index() const { return index_; }

  /// The other cores of this core's AIC/AIV group (targets of CROSS_SET).
  void set_group(std::vector<AiCore*> peers) { peers_ = std::move(peers); }

  /// Prepares the next kernel: `stream` may be nullptr (core idle). Resets all state.
  void load(const CoreStream* stream, bool record_timeline);
  /// Starts executing the loaded stream at the current simulation time.
  void start() { start_event_.notify(sc_core::SC_ZERO_TIME); }

  [[nodiscard]] bool finished() const { return finished_; }
  [[nodiscard]] const CoreStats& stats() const { return stats_; }
  /// For a core that never finished: one line per blocked pipe naming the trace line.
  [[nodiscard]] std::vector<std::string> blocked_report(const std::string& trace_path) const;

  /// Cross-core flag `id` set by a peer.
  void cross_signal(uint32_t id);

private:
  static constexpr uint32_t kCrossFlagIds = 16;

  struct PipeState {
    std::unique_ptr<PipeQueue> queue;
    bool executing = false;
    double last_complete_ps = 0;       ///< latest result-visible time of finished work
    const Instr* blocked_on = nullptr;  ///< flag wait in progress (deadlock report)
  };

  void dispatcher_thread();
  void pipe_thread(Pipe pipe);
  void execute(const Instr& instr, Pipe pipe);
  void execute_sync(const Instr& instr, Pipe pipe);
  double execute_gm_copy(const Instr& instr, bool read, double& end_ps);
  void wait_all_pipes_drained();
  void wait_flag(uint32_t& counter, const Instr& instr, Pipe pipe, sc_core::sc_event& event);
  void wait_until_ps(double t_ps);
  void record(Pipe pipe, const Instr& instr, double start, double end, double complete,
              bool flag_wait);
  [[nodiscard]] double now_ps() const;
  [[nodiscard]] uint32_t& flag(Pipe src, Pipe dst, uint32_t id);
  [[nodiscard]] PipeState& state(Pipe p) { return pipes_[static_cast<size_t>(p)]; }

  const ChipConfig& chip_;
  const CoreConfig& config_;
  CoreKind kind_;
  uint32_t index_;
  double cycle_ps_;
  std::vector<AiCore*> peers_;

  const CoreStream* stream_ = nullptr;
  bool record_ = false;
  bool finished_ = true;
  bool dispatcher_blocked_ = false;
  const Instr* dispatcher_waiting_on_ = nullptr;
  std::array<PipeState, kPipeCount> pipes_;
  std::vector<uint32_t> flags_;        ///< [src][dst][id] counting semaphores
  std::array<uint32_t, kCrossFlagIds> cross_flags_{};
  BandwidthServer read_port_, write_port_;
  CoreStats stats_;

  sc_core::sc_event start_event_;
  sc_core::sc_event flag_event_;
  sc_core::sc_event cross_event_;
  sc_core::sc_event pipe_idle_event_;
};

}  // namespace npusim
