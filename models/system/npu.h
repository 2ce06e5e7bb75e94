#pragma once
// One NPU of a system: its HBM (a bandwidth server at the chip's HBM bandwidth) and its
// collective DMA engines. Transfers to one peer form a stream, served in order (lowest
// transfer number first) by at most as many engines at a time as it takes to fill the
// stream's first link (one engine on an HCCS link, several on a 12-link NVLink port; the
// rest serve other peers). A transfer's first read starts `setup_ns` after it became ready
// (descriptor fetch and doorbell, overlapping the engine's previous transfer), and not before
// the engine has issued its previous transfer; the engine reads the data from HBM packet by
// packet at its own rate and queues each packet at the first link of the
// route; it keeps at most `window_packets` packets queued there and stalls until the link
// starts one. Packets that land here are
// written to HBM (copy) or read-added-written (reduce: the local operand is read and the sum
// written, 2 x payload of HBM traffic); the link gets its credits back once that is done.

#include <cstdint>
#include <memory>
#include <queue>
#include <systemc>
#include <vector>

#include "models/memory/bandwidth_server.h"
#include "models/noc/link.h"
#include "models/system/schedule.h"
#include "sim/config/system_config.h"

namespace npusim {

/// HBM bandwidth one NPU moves in the system model, bytes/s: its share of the chip's pins at
/// the DRAM's sustained fraction (models/memory/hbm_sustained_rate.h).
[[nodiscard]] double npu_sustained_hbm_bytes_per_s(const SystemConfig& system);

/// What an NPU needs from the collective being run.
class TransferBoard {
 public:
  virtual ~TransferBoard() = default;
  [[nodiscard]] virtual const Transfer& transfer(uint32_t id) const = 0;
  /// Exact time the transfer became ready (all its dependencies landed).
  [[nodiscard]] virtual double ready_ps(uint32_t id) const = 0;
  [[nodiscard]] virtual const std::vector<Link*>& route(uint32_t src, uint32_t dst) const = 0;
  /// A packet of transfer `id` has been drained at its destination at `done_ps`.
  virtual void packet_landed(uint32_t id, double done_ps) = 0;
};

class Npu : public sc_core::sc_module, public LinkReceiver {
 public:
  Npu(sc_core::sc_module_name name, uint32_t id, const SystemConfig& system, TransferBoard& board);

  /// Transfer `id` (sent by this NPU) may start.
  void enqueue(uint32_t id);
  void receive(const Packet& packet, double arrive_ps, Link& from) override;
  /// Between runs: idle engines, empty HBM calendar, counters cleared.
  void reset();

  [[nodiscard]] uint32_t id() const { return id_; }
  [[nodiscard]] uint64_t hbm_read_bytes() const { return hbm_read_bytes_; }
  [[nodiscard]] uint64_t hbm_write_bytes() const { return hbm_write_bytes_; }
  [[nodiscard]] double hbm_busy_ps() const { return hbm_.busy_ps(); }
  [[nodiscard]] uint64_t activations() const { return activations_; }

 private:
  /// Ready transfers to one peer and how many engines serve them now.
  struct Stream {
    std::priority_queue<uint32_t, std::vector<uint32_t>, std::greater<>> ready;
    uint32_t engines = 0;  ///< engines issuing a transfer of this stream
    uint32_t limit = 1;    ///< engines that fill the first link of the route
  };
  struct Engine final : PacketSource {
    sc_core::sc_event slot;  ///< a packet of this engine left the link queue
    uint32_t queued = 0;     ///< packets of this engine waiting at a link
    double slot_ps = 0;      ///< when the latest of them left
    double free_ps = 0;      ///< when the engine can read its next packet
    void departed(const Packet& packet, double start_ps) override;
  };

  void engine_thread(Engine& engine);
  /// The stream whose next transfer an idle engine should take, or nullptr.
  Stream* next_stream();

  uint32_t id_;
  TransferBoard& board_;
  uint32_t packet_bytes_;
  uint32_t window_;
  double setup_ps_;
  double dma_ps_per_byte_;
  BandwidthServer hbm_;
  double hbm_write_cost_;  ///< HBM time of a written byte / a read byte
  double engine_bytes_per_s_;
  std::vector<std::unique_ptr<Engine>> engines_;
  std::vector<Stream> streams_;  ///< by destination NPU
  sc_core::sc_event work_;
  uint64_t hbm_read_bytes_ = 0, hbm_write_bytes_ = 0, activations_ = 0;
};

}  // namespace npusim
