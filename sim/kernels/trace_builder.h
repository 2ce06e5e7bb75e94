#pragma once
// Helpers the kernel generators share: emitting one core's instruction stream, producer/consumer
// buffer rings synchronised with SET_FLAG/WAIT_FLAG, and buffer/GM address allocation.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/base/int_math.h"
#include "sim/config/chip_config.h"
#include "sim/kernels/kernel_args.h"
#include "sim/trace/kernel_trace.h"

namespace npusim::kgen {

/// GM tensors start on L2-line friendly 512-byte boundaries.
inline constexpr uint64_t kGmAlign = 512;
/// On-core buffer regions start on 512-byte boundaries (L0A/L0B fractal alignment; covers
/// UB's 32-byte blocks and L0C's 64 bytes).
inline constexpr uint64_t kBufAlign = 512;

/// Hands out distinct, non-overlapping, 512-byte aligned GM regions (tensors, workspaces).
class GmLayout {
 public:
  /// Start address of a new region of `bytes`.
  [[nodiscard]] uint64_t alloc(uint64_t bytes);

 private:
  uint64_t next_ = 0;
};

/// Hands out aligned regions of one on-core buffer; InputError if they exceed its capacity.
class BufferLayout {
 public:
  BufferLayout(const KernelArgs& args, Buffer buffer, uint64_t capacity);
  /// Start address of a new region of `bytes`.
  [[nodiscard]] uint64_t alloc(uint64_t bytes, std::string_view what);
  [[nodiscard]] uint64_t used() const { return next_; }

 private:
  const KernelArgs* args_;
  Buffer buffer_;
  uint64_t capacity_;
  uint64_t next_ = 0;
};

/// Appends instructions to one core's stream.
class CoreBuilder {
 public:
  CoreBuilder(CoreKind kind, uint32_t index, uint32_t event_ids);

  void mte2(uint64_t gm_addr, BufRef dst, uint64_t bytes);
  void mte1(BufRef src, BufRef dst, uint64_t bytes, Mte1Mode mode = Mte1Mode::plain);
  void mte3(BufRef src, BufRef dst, uint64_t bytes);
  void mmad(uint32_t m, uint32_t k, uint32_t n, DType dtype, uint64_t l0a, uint64_t l0b,
            uint64_t l0c, bool accumulate);
  void fixpipe(uint64_t l0c_addr, BufRef dst, uint64_t bytes, uint64_t out_bytes);
  /// Vector op on UB. `src1` only for binary ops; `out` defaults to `dtype` (cast changes it).
  void vec(std::string_view op, DType dtype, uint64_t elements, uint64_t dst, uint64_t src0,
           std::optional<uint64_t> src1 = std::nullopt, std::optional<DType> out = std::nullopt);
  void set_flag(Pipe src, Pipe dst, uint32_t id);
  void wait_flag(Pipe src, Pipe dst, uint32_t id);
  void barrier(Pipe pipe);
  void barrier_all();
  void cross_set(Pipe pipe, uint32_t id);
  void cross_wait(Pipe pipe, uint32_t id);

  /// Room for `instructions` more, so a large kernel's stream is not copied as it grows.
  void reserve(uint64_t instructions) { stream_.instrs.reserve(stream_.instrs.size() + instructions); }
  [[nodiscard]] bool empty() const { return stream_.instrs.empty(); }
  [[nodiscard]] CoreStream take() { return std::move(stream_); }
  [[nodiscard]] CoreKind kind() const { return stream_.kind; }

 private:
  void push(Instr instr);
  void check_ref(const BufRef& ref) const;
  void check_id(uint32_t id) const;

  CoreStream stream_;
  uint32_t event_ids_;
};

/// N buffer slots passed from a producer pipe to a consumer pipe, Ascend C TQue style:
/// the producer waits "slot free" (consumer->producer flag), fills the slot and sets "slot
/// ready" (producer->consumer); the consumer waits "ready", reads, and sets "free". The free
/// flags are pre-set by init() and waited out by finish(), so every counter ends at zero.
/// Slot i uses event id first_id + i in both directions. When producer and consumer are the
/// same pipe, in-order execution already orders them and no flags are emitted.
class SlotRing {
 public:
  SlotRing(Pipe producer, Pipe consumer, uint32_t slots, uint32_t first_id);

  void init(CoreBuilder& core) const;
  /// Producer side: waits until the next slot is free; returns its index.
  uint32_t acquire(CoreBuilder& core);
  /// Producer side: marks the oldest filled-but-unannounced slot ready.
  void produced(CoreBuilder& core);
  /// Consumer side: waits until the next slot is ready; returns its index.
  uint32_t consume(CoreBuilder& core);
  /// Consumer side: frees the oldest consumed slot.
  void release(CoreBuilder& core);
  /// Producer side: waits out the pre-set free flags at the end of the kernel.
  void finish(CoreBuilder& core) const;

  [[nodiscard]] uint32_t slots() const { return slots_; }

 private:
  [[nodiscard]] bool flags() const { return producer_ != consumer_; }

  Pipe producer_, consumer_;
  uint32_t slots_, first_id_;
  uint64_t acquired_ = 0, produced_ = 0, consumed_ = 0, released_ = 0;
};

/// Core kind that runs cube work (aic on split chips, aicore on coupled ones).
[[nodiscard]] CoreKind cube_core_kind(const ChipConfig& chip);
/// Core kind that runs vector work (aiv on split chips, aicore on coupled ones).
[[nodiscard]] CoreKind vector_core_kind(const ChipConfig& chip);
/// The pipe that executes FIXPIPE to `dst`: VECTOR for L0C->UB on coupled cores, else FIXP.
[[nodiscard]] Pipe fixpipe_pipe(const ChipConfig& chip, Buffer dst);

/// InputError unless the chip prices every vector op in `ops`.
void require_vector_ops(const KernelArgs& args, const ChipConfig& chip,
                        const std::vector<std::string>& ops);
/// InputError unless the chip has at least `needed` event ids per pipe pair.
void require_event_ids(const KernelArgs& args, const ChipConfig& chip, uint32_t needed);
/// InputError unless the core kind's buffer `b` exists on the chip.
[[nodiscard]] uint64_t buffer_capacity(const KernelArgs& args, const ChipConfig& chip, Buffer b);

/// Assembles the trace: kernel line from the resolved args, non-empty cores sorted by kind and
/// index.
[[nodiscard]] KernelTrace finish_trace(std::string_view kind, const KernelArgs& args,
                                       std::vector<CoreBuilder>& cores);

/// "64 KiB" style sizes for error messages.
[[nodiscard]] std::string kib(uint64_t bytes);

/// Vector data types every generator accepts for vector work.
[[nodiscard]] const std::vector<DType>& vector_dtypes();

}  // namespace npusim::kgen
