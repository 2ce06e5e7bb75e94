#pragma once
// One direction of a chip-to-chip link (HCCS, SIO, PCIe, RoCE port, NVLink), with
// serialisation, line coding, flit headers, credit-based flow control and latency.
//
// The unit of simulation is a packet of a few KiB (the DMA engines' `packet_bytes`), not a
// flit: a packet of P payload bytes occupies the link for wire_bytes(P) / (data rate x
// protocol_efficiency), where wire_bytes adds one flit header per started flit of the link's
// format and protocol_efficiency stands for the collective library's overhead, and it takes
// flits(P) credits of the receiver's buffer (credits are counted in flits). The sender stalls
// while the receiver has fewer free flits than the packet needs; the receiver returns a
// packet's flits once it has drained the packet (written it to HBM, or forwarded it out of a
// switch), and the sender may use them `credit_return_ns` later. The last bit of a packet
// reaches the receiver `serdes_ns + wire_ns` after the sender has serialised it.
//
// Times are carried as exact picoseconds (double) from stage to stage; SystemC waits round
// up to whole picoseconds only to schedule the next decision, so long streams do not drift.

#include <cstdint>
#include <queue>
#include <string>
#include <systemc>
#include <vector>

#include "sim/config/system_config.h"

namespace npusim {

class Link;
struct Packet;

/// Something a packet came from that wants to know when it leaves a link's queue: a DMA
/// engine (its queueing window) or a switch (its receive buffer, whose credit it returns).
class PacketSource {
 public:
  virtual ~PacketSource() = default;
  /// `packet` starts serialising on a link at `start_ps`.
  virtual void departed(const Packet& packet, double start_ps) = 0;
};

/// The node at a link's far end: an NPU or a switch.
class LinkReceiver {
 public:
  virtual ~LinkReceiver() = default;
  /// The last bit of `packet` arrives over `from` at `arrive_ps` (exact; may lie in the
  /// future). The receiver must return the packet's flits to `from` once it has drained it.
  virtual void receive(const Packet& packet, double arrive_ps, Link& from) = 0;
};

/// A simulated packet: `payload` bytes of one transfer crossing the links of its route.
struct Packet {
  uint32_t transfer = 0;  ///< the transfer it belongs to (index in the running schedule)
  uint32_t payload = 0;   ///< bytes
  uint32_t hop = 0;       ///< index of the link it is queued at in `route`
  double ready_ps = 0;    ///< when it is at this link's input and may start
  const std::vector<Link*>* route = nullptr;  ///< links from source NPU to destination NPU
  PacketSource* source = nullptr;             ///< told when it leaves this link's queue
  Link* held_by = nullptr;  ///< link whose receive buffer still holds it (switch forwarding)
};

class Link : public sc_core::sc_module {
 public:
  /// `count` parallel links of `type` bonded into one (rate and buffer times `count`).
  Link(sc_core::sc_module_name name, const LinkTypeConfig& type, uint32_t count);

  void set_receiver(LinkReceiver* receiver) { receiver_ = receiver; }

  /// Queues a packet. Packets start in order of ready time (then of queueing), each once the
  /// link is free and the receiver has room for it.
  void push(const Packet& packet);
  /// The receiver frees `flits` of its buffer; the sender may use them from `at_ps` on.
  void return_credit(uint32_t flits, double at_ps);

  /// Between runs: empty queue, full credits, idle, counters cleared.
  void reset();

  [[nodiscard]] const LinkTypeConfig& type() const { return type_; }
  [[nodiscard]] uint32_t count() const { return count_; }
  [[nodiscard]] uint32_t flits_of(uint64_t payload) const {
    return static_cast<uint32_t>(type_.flits(payload));
  }
  /// Time to serialise a packet of `payload` bytes, ps.
  [[nodiscard]] double serialise_ps(uint64_t payload) const {
    return double(type_.wire_bytes(payload)) * ps_per_wire_byte_;
  }
  [[nodiscard]] double latency_ps() const { return latency_ps_; }
  [[nodiscard]] double credit_return_ps() const { return credit_return_ps_; }
  [[nodiscard]] uint32_t buffer_flits() const { return buffer_flits_; }
  /// Payload rate of a long stream of full flits, bytes/s.
  [[nodiscard]] double payload_bytes_per_s() const { return type_.payload_bytes_per_s(count_); }

  // Counters since the last reset.
  [[nodiscard]] uint64_t packets() const { return packets_; }
  [[nodiscard]] uint64_t payload_bytes() const { return payload_bytes_; }
  [[nodiscard]] uint64_t wire_bytes() const { return wire_bytes_; }
  [[nodiscard]] double busy_ps() const { return busy_ps_; }
  /// Time packets waited for credits while the link was otherwise free to send.
  [[nodiscard]] double credit_stall_ps() const { return credit_stall_ps_; }
  /// SystemC process activations of this link (simulated events).
  [[nodiscard]] uint64_t activations() const { return activations_; }

 private:
  struct Queued {
    Packet packet;
    uint64_t seq;
    bool operator>(const Queued& o) const {
      return packet.ready_ps != o.packet.ready_ps ? packet.ready_ps > o.packet.ready_ps
                                                  : seq > o.seq;
    }
  };
  struct Credit {
    double at_ps;
    uint32_t flits;
    bool operator>(const Credit& o) const { return at_ps > o.at_ps; }
  };

  void on_wake();  // SC_METHOD
  /// Starts every packet that can start now; arms the wake-up for the next decision.
  void kick();
  void start_ready_packets();
  void arm(double at_ps);

  LinkTypeConfig type_;
  uint32_t count_;
  double ps_per_wire_byte_;
  double latency_ps_;
  double credit_return_ps_;
  uint32_t buffer_flits_;
  LinkReceiver* receiver_ = nullptr;
  sc_core::sc_event wake_;

  std::priority_queue<Queued, std::vector<Queued>, std::greater<>> queue_;
  std::priority_queue<Credit, std::vector<Credit>, std::greater<>> returns_;
  uint64_t seq_ = 0;
  uint32_t credits_ = 0;   ///< free flits in the receiver's buffer, as the sender knows
  double credit_ps_ = 0;   ///< when the latest credit taken from returns_ came back
  double busy_until_ = 0;  ///< end of the current serialisation
  bool in_kick_ = false;
  bool again_ = false;

  uint64_t packets_ = 0, payload_bytes_ = 0, wire_bytes_ = 0, activations_ = 0;
  double busy_ps_ = 0, credit_stall_ps_ = 0;
};

/// Model times are picoseconds since a time origin, the start of the current run (a whole
/// picosecond), so that a run computes exactly the same doubles whenever in the process it
/// runs: results do not depend on which runs came before.
void set_time_origin(uint64_t origin_ps);
[[nodiscard]] uint64_t time_origin();

/// Current simulation time in ps since the time origin (SystemC's default 1 ps resolution).
[[nodiscard]] double now_ps();

/// Timed notification of `event` at `at_ps` rounded up to a whole picosecond (now if past).
void notify_at(sc_core::sc_event& event, double at_ps);

}  // namespace npusim
