#pragma once
// The SystemC model of a multi-NPU server: an Npu module per NPU, a SwitchNode per switch of
// the topology, a Link per link direction, the routes between NPUs, and the book-keeping of
// a running schedule (which transfers are ready, which have landed).
//
// SystemC elaborates once per process, so one SystemModel is built per process and runs any
// number of schedules in sequence: load() resets every queue, credit and counter while
// simulated time keeps going; the caller then runs sc_start until the events run out.

#include <memory>
#include <queue>
#include <systemc>
#include <vector>

#include "models/noc/link.h"
#include "models/system/npu.h"
#include "models/system/schedule.h"
#include "models/system/switch_node.h"
#include "models/system/topology.h"
#include "sim/config/system_config.h"

namespace npusim {

class SystemModel : public sc_core::sc_module, public TransferBoard {
 public:
  SystemModel(sc_core::sc_module_name name, const SystemConfig& system);

  /// Resets the model and starts `schedule` at the current time (its transfers without
  /// dependencies are ready now). The schedule must outlive the run.
  void load(const Schedule& schedule);
  /// Every transfer of the loaded schedule has landed.
  [[nodiscard]] bool finished() const;
  [[nodiscard]] size_t pending_transfers() const;
  /// Start of the run (0: model times count from the run's start, see set_time_origin).
  [[nodiscard]] double start_ps() const { return start_ps_; }
  /// Simulated time since elaboration at which the run started, ps.
  [[nodiscard]] uint64_t origin_ps() const { return time_origin(); }
  /// When the last transfer landed, ps after the start.
  [[nodiscard]] double end_ps() const { return end_ps_; }

  [[nodiscard]] const Topology& topology() const { return *topology_; }
  [[nodiscard]] const std::vector<std::unique_ptr<Link>>& links() const { return links_; }
  [[nodiscard]] const std::vector<std::unique_ptr<Npu>>& npus() const { return npus_; }
  /// SystemC process activations since load() (links, DMA engines, completions).
  [[nodiscard]] uint64_t activations() const;

  // TransferBoard
  [[nodiscard]] const Transfer& transfer(uint32_t id) const override {
    return schedule_->transfers[id];
  }
  [[nodiscard]] double ready_ps(uint32_t id) const override { return state_[id].ready_ps; }
  [[nodiscard]] const std::vector<Link*>& route(uint32_t src, uint32_t dst) const override {
    return routes_[src][dst];
  }
  void packet_landed(uint32_t id, double done_ps) override;

 private:
  struct State {
    uint32_t pending = 0;       ///< dependencies not landed yet
    uint64_t packets_left = 0;  ///< packets not drained at the destination yet
    double ready_ps = 0;
    double done_ps = 0;
  };
  using Completion = std::pair<double, uint32_t>;

  void on_completion();  // SC_METHOD
  /// Transfer `id` landed at `at_ps`: release what waits for it.
  void complete(uint32_t id, double at_ps);

  SystemConfig system_;
  std::unique_ptr<Topology> topology_;
  std::vector<std::unique_ptr<Npu>> npus_;
  std::vector<std::unique_ptr<SwitchNode>> switches_;
  std::vector<std::unique_ptr<Link>> links_;
  std::vector<std::vector<std::vector<Link*>>> routes_;  ///< [src][dst]

  const Schedule* schedule_ = nullptr;
  std::vector<State> state_;
  std::vector<std::vector<uint32_t>> dependents_;
  size_t landed_ = 0;
  double start_ps_ = 0, end_ps_ = 0;
  std::priority_queue<Completion, std::vector<Completion>, std::greater<>> completions_;
  sc_core::sc_event completion_event_;
  uint64_t activations_ = 0;
};

}  // namespace npusim
