#include "models/noc/link.h"

#include <algorithm>
#include <cmath>

namespace npusim {

namespace {
uint64_t g_origin_ps = 0;
}  // namespace

void set_time_origin(uint64_t origin_ps) {
  g_origin_ps = origin_ps;
}

uint64_t time_origin() {
  return g_origin_ps;
}

double now_ps() {
  return static_cast<double>(sc_core::sc_time_stamp().value() - g_origin_ps);
}

void notify_at(sc_core::sc_event& event, double at_ps) {
  const double now = now_ps();
  const double when = std::ceil(at_ps);
  if (when <= now)
    event.notify(sc_core::SC_ZERO_TIME);
  else
    event.notify(sc_core::sc_time::from_value(static_cast<sc_dt::uint64>(when - now)));
}

Link::Link(sc_core::sc_module_name name, const LinkTypeConfig& type, uint32_t count)
    : sc_core::sc_module(name),
      type_(type),
      count_(count),
      ps_per_wire_byte_(1e12 / (type.data_bytes_per_s(count) * type.protocol_efficiency)),
      latency_ps_(type.latency_ns() * 1e3),
      credit_return_ps_(type.credit_return_ns * 1e3),
      buffer_flits_(type.buffer_flits * count),
      credits_(buffer_flits_) {
  sc_core::sc_spawn_options options;
  options.spawn_method();
  options.set_sensitivity(&wake_);
  options.dont_initialize();
  sc_core::sc_spawn(sc_bind(&Link::on_wake, this), "wake", &options);
}

void Link::push(const Packet& packet) {
  queue_.push({packet, seq_++});
  kick();
}

void Link::return_credit(uint32_t flits, double at_ps) {
  returns_.push({at_ps, flits});
  kick();
}

void Link::reset() {
  queue_ = {};
  returns_ = {};
  seq_ = 0;
  credits_ = buffer_flits_;
  credit_ps_ = 0;
  busy_until_ = 0;
  packets_ = payload_bytes_ = wire_bytes_ = activations_ = 0;
  busy_ps_ = credit_stall_ps_ = 0;
}

void Link::on_wake() {
  ++activations_;
  kick();
}

void Link::kick() {
  // A start may call back into this link (a switch returning credit, a receiver pushing);
  // the outer call then simply looks again.
  if (in_kick_) {
    again_ = true;
    return;
  }
  in_kick_ = true;
  do {
    again_ = false;
    start_ready_packets();
  } while (again_);
  in_kick_ = false;
}

void Link::arm(double at_ps) {
  notify_at(wake_, at_ps);
}

void Link::start_ready_packets() {
  const double now = now_ps();
  while (!queue_.empty()) {
    if (busy_until_ > now) return arm(busy_until_);
    const Packet packet = queue_.top().packet;
    if (packet.ready_ps > now) return arm(packet.ready_ps);
    const uint32_t need = flits_of(packet.payload);
    while (credits_ < need && !returns_.empty() && returns_.top().at_ps <= now) {
      credits_ += returns_.top().flits;
      credit_ps_ = std::max(credit_ps_, returns_.top().at_ps);
      returns_.pop();
    }
    if (credits_ < need) {
      if (!returns_.empty()) arm(returns_.top().at_ps);
      return;  // otherwise the receiver's next return_credit wakes us
    }
    queue_.pop();
    credits_ -= need;
    const double free_ps = std::max(packet.ready_ps, busy_until_);
    const double start = std::max(free_ps, credit_ps_);
    credit_stall_ps_ += start - free_ps;
    const double serialise = serialise_ps(packet.payload);
    busy_until_ = start + serialise;
    busy_ps_ += serialise;
    ++packets_;
    payload_bytes_ += packet.payload;
    wire_bytes_ += type_.wire_bytes(packet.payload);
    if (packet.source != nullptr) packet.source->departed(packet, start);
    receiver_->receive(packet, busy_until_ + latency_ps_, *this);
  }
}

}  // namespace npusim
