#include "models/noc/interconnect.h"

#include <algorithm>

#include "models/memory/mem_timing.h"
#include "sim/base/error.h"

namespace npusim {

Interconnect::Interconnect(sc_core::sc_module_name name, const ChipConfig& chip)
    : sc_core::sc_module(name),
      from_cores("from_cores"),
      to_memory("to_memory"),
      dies_(chip.dies),
      die_capacity_(chip.hbm.capacity_bytes),
      hop_latency_ps_(chip.noc.latency_cycles * chip.cycle_ps()),
      link_latency_ps_(chip.die_link.latency_ns * 1000.0) {
  from_cores.register_b_transport(this, &Interconnect::b_transport);
  if (dies_ > 1) {
    if (chip.die_link.bandwidth_gbps <= 0)
      throw InternalError("multi-die chip without a die link (the loader checks this)");
    links_.assign(size_t(dies_) * dies_, BandwidthServer(chip.die_link.bandwidth_gbps * 1e-3));
  }
}

uint32_t Interconnect::die_of(uint64_t addr) const {
  return static_cast<uint32_t>((addr / die_capacity_) % dies_);
}

void Interconnect::reset() {
  for (auto& link : links_) link.reset();
  counts_ = ActivityCounts{};
}

void Interconnect::b_transport(int core_id, tlm::tlm_generic_payload& trans,
                               sc_core::sc_time& delay) {
  const double now = static_cast<double>(sc_core::sc_time_stamp().value());
  const uint64_t bytes = trans.get_data_length();
  const uint32_t src = core_die_.at(static_cast<size_t>(core_id));
  const uint32_t dst = die_of(trans.get_address());
  counts_.noc_bytes += bytes;

  const double arrive = now + static_cast<double>(delay.value());
  double t = arrive + hop_latency_ps_;
  double forward_latency = hop_latency_ps_;  // fixed latency added before the memory
  double link_served = 0;
  const bool remote = src != dst;
  if (remote && trans.is_write()) {  // write data crosses the link on the way out
    link_served = links_[src * dies_ + dst].serve(now, t, bytes);
    t = link_served + link_latency_ps_;
    forward_latency += link_latency_ps_;
    counts_.die_link_bytes += bytes;
  }
  if (auto* timing = trans.get_extension<MemTiming>())
    timing->source_node = static_cast<uint32_t>(core_id);  // the die's NoC maps it to a node
  sc_core::sc_time forward = sc_core::sc_time::from_value(static_cast<uint64_t>(t - now + 0.5));
  to_memory[static_cast<int>(dst)]->b_transport(trans, forward);
  double done = now + static_cast<double>(forward.value());
  if (remote && trans.is_read()) {  // read data crosses the link on the way back
    link_served = links_[dst * dies_ + src].serve(now, done, bytes);
    done = link_served + link_latency_ps_;
    counts_.die_link_bytes += bytes;
  }
  done += hop_latency_ps_;
  if (auto* timing = trans.get_extension<MemTiming>()) {
    // As seen at this input: the memory's answer less the latency added on the way to it;
    // the die link, when crossed, may itself be the bottleneck.
    timing->served_ps = std::max({arrive, timing->served_ps - forward_latency,
                                  link_served > 0 ? link_served - hop_latency_ps_ : 0.0});
  }
  delay = sc_core::sc_time::from_value(static_cast<uint64_t>(done - now + 0.5));
}

}  // namespace npusim
