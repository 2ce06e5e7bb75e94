#include "sim/kernels/trace_builder.h"

#include <algorithm>

#include "sim/base/error.h"
#include "sim/base/text.h"

namespace npusim::kgen {

uint64_t GmLayout::alloc(uint64_t bytes) {
  const uint64_t addr = next_;
  next_ = align_up(next_ + std::max<uint64_t>(bytes, 1), kGmAlign);
  return addr;
}

BufferLayout::BufferLayout(const KernelArgs& args, Buffer buffer, uint64_t capacity)
    : args_(&args), buffer_(buffer), capacity_(capacity) {}

uint64_t BufferLayout::alloc(uint64_t bytes, std::string_view what) {
  const uint64_t addr = align_up(next_, kBufAlign);
  if (addr + bytes > capacity_) {
    throw args_->error("tiles need more " + std::string(name_of(buffer_)) + " than the chip has (" +
                       std::string(what) + " ends at " + kib(addr + bytes) + ", capacity " +
                       kib(capacity_) + "); use smaller tiles");
  }
  next_ = addr + bytes;
  return addr;
}

CoreBuilder::CoreBuilder(CoreKind kind, uint32_t index, uint32_t event_ids)
    : event_ids_(event_ids) {
  stream_.kind = kind;
  stream_.index = index;
}

void CoreBuilder::check_ref(const BufRef& ref) const {
  if (!core_has_buffer(stream_.kind, ref.buffer)) {
    throw InternalError("kernel generator put " + std::string(name_of(ref.buffer)) + " on an " +
                        std::string(name_of(stream_.kind)) + " core");
  }
}

void CoreBuilder::check_id(uint32_t id) const {
  if (id >= event_ids_)
    throw InternalError("kernel generator used event id " + std::to_string(id) + " of " +
                        std::to_string(event_ids_));
}

void CoreBuilder::push(Instr instr) {
  check_ref(instr.src);
  check_ref(instr.dst);
  stream_.instrs.push_back(std::move(instr));
}

void CoreBuilder::mte2(uint64_t gm_addr, BufRef dst, uint64_t bytes) {
  Instr i;
  i.op = Op::MTE2;
  i.src = {Buffer::GM, gm_addr};
  i.dst = dst;
  i.bytes = bytes;
  push(std::move(i));
}

void CoreBuilder::mte1(BufRef src, BufRef dst, uint64_t bytes, Mte1Mode mode) {
  Instr i;
  i.op = Op::MTE1;
  i.src = src;
  i.dst = dst;
  i.bytes = bytes;
  i.mte1_mode = mode;
  push(std::move(i));
}

void CoreBuilder::mte3(BufRef src, BufRef dst, uint64_t bytes) {
  Instr i;
  i.op = Op::MTE3;
  i.src = src;
  i.dst = dst;
  i.bytes = bytes;
  push(std::move(i));
}

void CoreBuilder::mmad(uint32_t m, uint32_t k, uint32_t n, DType dtype, uint64_t l0a, uint64_t l0b,
                       uint64_t l0c, bool accumulate) {
  Instr i;
  i.op = Op::MMAD;
  i.m = m;
  i.k = k;
  i.n = n;
  i.dtype = dtype;
  i.a = {Buffer::L0A, l0a};
  i.b = {Buffer::L0B, l0b};
  i.c = {Buffer::L0C, l0c};
  i.accumulate = accumulate;
  check_ref(i.a);
  check_ref(i.b);
  check_ref(i.c);
  push(std::move(i));
}

void CoreBuilder::fixpipe(uint64_t l0c_addr, BufRef dst, uint64_t bytes, uint64_t out_bytes) {
  Instr i;
  i.op = Op::FIXPIPE;
  i.src = {Buffer::L0C, l0c_addr};
  i.dst = dst;
  i.bytes = bytes;
  i.out_bytes = out_bytes == bytes ? 0 : out_bytes;
  push(std::move(i));
}

void CoreBuilder::vec(std::string_view op, DType dtype, uint64_t elements, uint64_t dst,
                      uint64_t src0, std::optional<uint64_t> src1, std::optional<DType> out) {
  Instr i;
  i.op = Op::VEC;
  i.vec_op = std::string(op);
  i.dtype = dtype;
  i.out_dtype = out.value_or(dtype);
  i.elements = elements;
  i.dst = {Buffer::UB, dst};
  i.src = {Buffer::UB, src0};
  if (src1) {
    i.has_src1 = true;
    i.src1 = {Buffer::UB, *src1};
  }
  push(std::move(i));
}

void CoreBuilder::set_flag(Pipe src, Pipe dst, uint32_t id) {
  check_id(id);
  Instr i;
  i.op = Op::SET_FLAG;
  i.flag_src = src;
  i.flag_dst = dst;
  i.event_id = id;
  push(std::move(i));
}

void CoreBuilder::wait_flag(Pipe src, Pipe dst, uint32_t id) {
  check_id(id);
  Instr i;
  i.op = Op::WAIT_FLAG;
  i.flag_src = src;
  i.flag_dst = dst;
  i.event_id = id;
  push(std::move(i));
}

void CoreBuilder::barrier(Pipe pipe) {
  Instr i;
  i.op = Op::PIPE_BARRIER;
  i.pipe = pipe;
  push(std::move(i));
}

void CoreBuilder::barrier_all() {
  Instr i;
  i.op = Op::PIPE_BARRIER;
  i.barrier_all = true;
  push(std::move(i));
}

void CoreBuilder::cross_set(Pipe pipe, uint32_t id) {
  check_id(id);
  Instr i;
  i.op = Op::CROSS_SET;
  i.pipe = pipe;
  i.event_id = id;
  push(std::move(i));
}

void CoreBuilder::cross_wait(Pipe pipe, uint32_t id) {
  check_id(id);
  Instr i;
  i.op = Op::CROSS_WAIT;
  i.pipe = pipe;
  i.event_id = id;
  push(std::move(i));
}

SlotRing::SlotRing(Pipe producer, Pipe consumer, uint32_t slots, uint32_t first_id)
    : producer_(producer), consumer_(consumer), slots_(slots), first_id_(first_id) {
  if (slots == 0) throw InternalError("SlotRing with no slots");
}

void SlotRing::init(CoreBuilder& core) const {
  if (!flags()) return;
  for (uint32_t s = 0; s < slots_; ++s) core.set_flag(consumer_, producer_, first_id_ + s);
}

uint32_t SlotRing::acquire(CoreBuilder& core) {
  const auto slot = static_cast<uint32_t>(acquired_++ % slots_);
  if (flags()) core.wait_flag(consumer_, producer_, first_id_ + slot);
  return slot;
}

void SlotRing::produced(CoreBuilder& core) {
  if (produced_ >= acquired_) throw InternalError("SlotRing::produced without acquire");
  const auto slot = static_cast<uint32_t>(produced_++ % slots_);
  if (flags()) core.set_flag(producer_, consumer_, first_id_ + slot);
}

uint32_t SlotRing::consume(CoreBuilder& core) {
  if (consumed_ >= produced_) throw InternalError("SlotRing::consume before produced");
  const auto slot = static_cast<uint32_t>(consumed_++ % slots_);
  if (flags()) core.wait_flag(producer_, consumer_, first_id_ + slot);
  return slot;
}

void SlotRing::release(CoreBuilder& core) {
  if (released_ >= consumed_) throw InternalError("SlotRing::release without consume");
  const auto slot = static_cast<uint32_t>(released_++ % slots_);
  if (flags()) core.set_flag(consumer_, producer_, first_id_ + slot);
}

void SlotRing::finish(CoreBuilder& core) const {
  if (released_ != acquired_) throw InternalError("SlotRing::finish with slots in use");
  if (!flags()) return;
  // Wait in the order the slots would be acquired next, so the last-used slot is waited last.
  for (uint32_t s = 0; s < slots_; ++s)
    core.wait_flag(consumer_, producer_,
                   first_id_ + static_cast<uint32_t>((acquired_ + s) % slots_));
}

CoreKind cube_core_kind(const ChipConfig& chip) {
  return chip.split ? CoreKind::aic : CoreKind::aicore;
}

CoreKind vector_core_kind(const ChipConfig& chip) {
  return chip.split ? CoreKind::aiv : CoreKind::aicore;
}

Pipe fixpipe_pipe(const ChipConfig& chip, Buffer dst) {
  return !chip.split && dst == Buffer::UB ? Pipe::VECTOR : Pipe::FIXP;
}

void require_vector_ops(const KernelArgs& args, const ChipConfig& chip,
                        const std::vector<std::string>& ops) {
  for (const auto& op : ops) {
    if (!chip.core.vector.ops.contains(op))
      throw args.error("chip " + chip.name + " has no vector op '" + op + "'");
  }
}

void require_event_ids(const KernelArgs& args, const ChipConfig& chip, uint32_t needed) {
  if (chip.core.event_ids < needed)
    throw args.error("needs " + std::to_string(needed) + " event ids per pipe pair, chip " +
                     chip.name + " has " + std::to_string(chip.core.event_ids));
}

uint64_t buffer_capacity(const KernelArgs& args, const ChipConfig& chip, Buffer b) {
  const uint64_t size = chip.core.buffers.of(b);
  if (size == 0)
    throw args.error("chip " + chip.name + " has no " + std::string(name_of(b)) + " buffer");
  return size;
}

KernelTrace finish_trace(std::string_view kind, const KernelArgs& args,
                         std::vector<CoreBuilder>& cores) {
  KernelTrace trace;
  trace.name = std::string(kind);
  trace.attrs = args.resolved();
  for (auto& core : cores)
    if (!core.empty()) trace.cores.push_back(core.take());
  std::stable_sort(trace.cores.begin(), trace.cores.end(),
                   [](const CoreStream& a, const CoreStream& b) {
                     return std::pair(a.kind, a.index) < std::pair(b.kind, b.index);
                   });
  return trace;
}

std::string kib(uint64_t bytes) {
  if (bytes % 1024 == 0) return std::to_string(bytes / 1024) + " KiB";
  return std::to_string(bytes) + " B";
}

const std::vector<DType>& vector_dtypes() {
  static const std::vector<DType> types = {DType::fp16, DType::bf16, DType::fp32};
  return types;
}

}  // namespace npusim::kgen
