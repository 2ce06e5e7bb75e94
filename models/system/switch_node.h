#pragma once
// A switch between links (an NVSwitch, a host bridge): a packet that has fully arrived leaves
// `latency_ns` later on the next link of its route (store-and-forward per packet, output
// queued, non-blocking crossbar). It holds its slot in the ingress link's receive buffer until
// it starts on the egress link, so a congested output stalls its senders through credits.

#include <systemc>

#include "models/noc/link.h"

namespace npusim {

class SwitchNode : public sc_core::sc_module, public LinkReceiver, public PacketSource {
 public:
  SwitchNode(sc_core::sc_module_name name, double latency_ns);

  void receive(const Packet& packet, double arrive_ps, Link& from) override;
  void departed(const Packet& packet, double start_ps) override;

  [[nodiscard]] uint64_t packets() const { return packets_; }
  void reset() { packets_ = 0; }

 private:
  double latency_ps_;
  uint64_t packets_ = 0;
};

}  // namespace npusim
