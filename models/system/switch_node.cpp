#include "models/system/switch_node.h"

#include "sim/base/error.h"

namespace npusim {

SwitchNode::SwitchNode(sc_core::sc_module_name name, double latency_ns)
    : sc_core::sc_module(name), latency_ps_(latency_ns * 1e3) {}

void SwitchNode::receive(const Packet& packet, double arrive_ps, Link& from) {
  Packet next = packet;
  next.hop = packet.hop + 1;
  if (next.hop >= packet.route->size())
    throw InternalError(std::string("switch ") + name() + ": a route ends at a switch");
  next.ready_ps = arrive_ps + latency_ps_;
  next.source = this;
  next.held_by = &from;
  ++packets_;
  (*packet.route)[next.hop]->push(next);
}

void SwitchNode::departed(const Packet& packet, double start_ps) {
  Link& in = *packet.held_by;
  in.return_credit(in.flits_of(packet.payload), start_ps + in.credit_return_ps());
}

}  // namespace npusim
