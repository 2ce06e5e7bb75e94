#include "models/system/system_model.h"

#include <fmt/format.h>

#include <algorithm>

#include "sim/base/error.h"

namespace npusim {

SystemModel::SystemModel(sc_core::sc_module_name name, const SystemConfig& system)
    : sc_core::sc_module(name), system_(system), topology_(make_topology(system_)) {
  const uint32_t n = topology_->npus();
  for (uint32_t i = 0; i < n; ++i)
    npus_.push_back(std::make_unique<Npu>(fmt::format("npu{}", i).c_str(), i, system_, *this));
  for (const SwitchSpec& s : topology_->switches())
    switches_.push_back(std::make_unique<SwitchNode>(s.name.c_str(), s.latency_ns));
  const auto receiver = [&](uint32_t node) -> LinkReceiver* {
    if (node < n) return npus_[node].get();
    return switches_.at(node - n).get();
  };
  for (const LinkSpec& l : topology_->links()) {
    const std::string link_name = fmt::format("{}_{}_to_{}", l.type, l.from, l.to);
    links_.push_back(std::make_unique<Link>(link_name.c_str(), system_.link(l.type), l.count));
    links_.back()->set_receiver(receiver(l.to));
  }
  routes_.assign(n, std::vector<std::vector<Link*>>(n));
  for (uint32_t src = 0; src < n; ++src)
    for (uint32_t dst = 0; dst < n; ++dst) {
      if (src == dst) continue;
      for (uint32_t index : topology_->route(src, dst))
        routes_[src][dst].push_back(links_.at(index).get());
      if (routes_[src][dst].empty()) throw InternalError("empty route");
    }

  sc_core::sc_spawn_options options;
  options.spawn_method();
  options.set_sensitivity(&completion_event_);
  options.dont_initialize();
  sc_core::sc_spawn(sc_bind(&SystemModel::on_completion, this), "completions", &options);
}

uint64_t SystemModel::activations() const {
  uint64_t total = activations_;
  for (const auto& l : links_) total += l->activations();
  for (const auto& npu : npus_) total += npu->activations();
  return total;
}

bool SystemModel::finished() const {
  return schedule_ != nullptr && landed_ == schedule_->transfers.size();
}

size_t SystemModel::pending_transfers() const {
  return schedule_ == nullptr ? 0 : schedule_->transfers.size() - landed_;
}

void SystemModel::load(const Schedule& schedule) {
  if (schedule.npus != npus_.size())
    throw InternalError("schedule for " + std::to_string(schedule.npus) + " NPUs on a system of " +
                        std::to_string(npus_.size()));
  for (auto& l : links_) l->reset();
  for (auto& npu : npus_) npu->reset();
  for (auto& s : switches_) s->reset();
  completions_ = {};
  activations_ = 0;

  schedule_ = &schedule;
  const size_t count = schedule.transfers.size();
  state_.assign(count, State{});
  dependents_.assign(count, {});
  landed_ = 0;
  set_time_origin(sc_core::sc_time_stamp().value());
  start_ps_ = end_ps_ = now_ps();  // 0: times of this run count from here
  const uint64_t packet = system_.dma.packet_bytes;
  for (uint32_t id = 0; id < count; ++id) {
    const Transfer& t = schedule.transfers[id];
    state_[id].pending = static_cast<uint32_t>(t.deps.size());
    state_[id].packets_left = (t.bytes + packet - 1) / packet;
    state_[id].ready_ps = start_ps_;
    for (uint32_t d : t.deps) dependents_[d].push_back(id);
  }
  for (uint32_t id = 0; id < count; ++id) {
    if (state_[id].pending != 0) continue;
    if (state_[id].packets_left == 0)
      complete(id, start_ps_);
    else
      npus_[schedule.transfers[id].src]->enqueue(id);
  }
}

void SystemModel::packet_landed(uint32_t id, double done_ps) {
  State& s = state_[id];
  s.done_ps = std::max(s.done_ps, done_ps);
  if (--s.packets_left != 0) return;
  completions_.push({s.done_ps, id});
  notify_at(completion_event_, completions_.top().first);
}

void SystemModel::on_completion() {
  ++activations_;
  const double now = now_ps();
  while (!completions_.empty() && completions_.top().first <= now) {
    const Completion c = completions_.top();
    completions_.pop();
    complete(c.second, c.first);
  }
  if (!completions_.empty()) notify_at(completion_event_, completions_.top().first);
}

void SystemModel::complete(uint32_t first, double first_at_ps) {
  // Zero-byte transfers land the moment they are ready; a work list keeps chains of them
  // from recursing.
  std::vector<Completion> work = {{first_at_ps, first}};
  while (!work.empty()) {
    const auto [at_ps, id] = work.back();
    work.pop_back();
    ++landed_;
    end_ps_ = std::max(end_ps_, at_ps);
    for (uint32_t next : dependents_[id]) {
      State& s = state_[next];
      s.ready_ps = std::max(s.ready_ps, at_ps);
      if (--s.pending != 0) continue;
      if (s.packets_left == 0)
        work.push_back({s.ready_ps, next});
      else
        npus_[schedule_->transfers[next].src]->enqueue(next);
    }
  }
}

}  // namespace npusim
