#include "sim/trace/trace_validate.h"

#include <array>
#include <charconv>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/base/error.h"
#include "sim/base/text.h"
#include "sim/trace/instr_semantics.h"

namespace npusim {
namespace {

enum class Arch : uint8_t { any, coupled, split };

/// One legal copy path. `optional_path` names the CorePaths entry a chip must give a non-zero
/// rate for the path to exist (nullptr: every chip of that architecture has it).
struct PathRule {
  Op op;
  Buffer src;
  Buffer dst;
  Arch arch;
  PathConfig CorePaths::*optional_path;
  std::string_view path_key;
};

// Source: reference/ascend-hardware.md section 1.4 (Ascend C data-movement paths).
constexpr std::array<PathRule, 13> kPathRules = {{
    {Op::MTE2, Buffer::GM, Buffer::L1, Arch::any, nullptr, {}},
    {Op::MTE2, Buffer::GM, Buffer::L0A, Arch::any, nullptr, {}},
    {Op::MTE2, Buffer::GM, Buffer::L0B, Arch::any, nullptr, {}},
    {Op::MTE2, Buffer::GM, Buffer::UB, Arch::any, nullptr, {}},
    {Op::MTE1, Buffer::L1, Buffer::L0A, Arch::any, nullptr, {}},
    {Op::MTE1, Buffer::L1, Buffer::L0B, Arch::any, nullptr, {}},
    {Op::MTE1, Buffer::L1, Buffer::UB, Arch::coupled, &CorePaths::l1_to_ub, "l1_to_ub"},
    {Op::MTE3, Buffer::UB, Buffer::GM, Arch::any, nullptr, {}},
    {Op::MTE3, Buffer::UB, Buffer::L1, Arch::coupled, &CorePaths::ub_to_l1, "ub_to_l1"},
    {Op::FIXPIPE, Buffer::L0C, Buffer::GM, Arch::split, nullptr, {}},
    {Op::FIXPIPE, Buffer::L0C, Buffer::L1, Arch::split, &CorePaths::l0c_to_l1, "l0c_to_l1"},
    {Op::FIXPIPE, Buffer::L0C, Buffer::GM, Arch::coupled, nullptr, {}},
    {Op::FIXPIPE, Buffer::L0C, Buffer::UB, Arch::coupled, &CorePaths::l0c_to_ub, "l0c_to_ub"},
}};

bool arch_matches(Arch arch, bool split) {
  return arch == Arch::any || (arch == Arch::split) == split;
}

std::string hex(uint64_t v) {
  char buf[24];
  const auto res = std::to_chars(buf, buf + sizeof buf, v, 16);
  return "0x" + std::string(buf, res.ptr);
}

/// "512 KiB", "1 MiB", "1000 B": capacities as a person would say them.
std::string human_bytes(uint64_t v) {
  if (v != 0 && v % (1024 * 1024) == 0) return std::to_string(v / (1024 * 1024)) + " MiB";
  if (v != 0 && v % 1024 == 0) return std::to_string(v / 1024) + " KiB";
  return std::to_string(v) + " B";
}

std::vector<std::string> names_of_pipes(CoreKind kind) {
  std::vector<std::string> out;
  for (Pipe p : kAllPipes)
    if (core_has_pipe(kind, p)) out.emplace_back(name_of(p));
  return out;
}

class Validator {
 public:
  Validator(const KernelTrace& trace, const ChipConfig& chip) : trace_(trace), chip_(chip) {}

  void run() {
    for (const CoreStream& core : trace_.cores) {
      core_ = &core;
      check_core();
      for (index_ = 0; index_ < core.instrs.size(); ++index_) check_instr(core.instrs[index_]);
    }
  }

 private:
  [[nodiscard]] std::string chip_name() const { return "chip '" + chip_.name + "'"; }
  [[nodiscard]] std::string kind_name() const { return std::string(name_of(core_->kind)); }

  [[noreturn]] void fail_core(const std::string& message) const {
    throw InputError(SourcePos{trace_.path, core_->line, 0}, message);
  }

  /// Prefix `path:line: `; for a trace built in memory (line 0) the core and instruction
  /// index stand in for the line.
  [[noreturn]] void fail(const Instr& ins, const std::string& message) const {
    if (ins.line != 0) throw InputError(SourcePos{trace_.path, ins.line, 0}, message);
    throw InputError(SourcePos{trace_.path, 0, 0},
                     "core " + kind_name() + " " + std::to_string(core_->index) + ", instruction " +
                         std::to_string(index_) + ": " + message);
  }

  void check_core() const {
    const CoreKind kind = core_->kind;
    const std::string section =
        "core section '" + kind_name() + " " + std::to_string(core_->index) + "'";
    if (kind == CoreKind::aicore && chip_.split)
      fail_core(section + " on split " + chip_name() + " (expected aic or aiv sections)");
    if (kind != CoreKind::aicore && !chip_.split)
      fail_core(section + " on coupled " + chip_name() + " (expected aicore sections)");
    const uint32_t count = chip_.core_count(kind);
    if (count == 0) fail_core(section + ": " + chip_name() + " has no " + kind_name() + " cores");
    if (core_->index >= count)
      fail_core(section + ": " + chip_name() + " has " + std::to_string(count) + " " + kind_name() +
                " cores (expected index 0.." + std::to_string(count - 1) + ")");
  }

  void check_pipe(const Instr& ins, Pipe p) const {
    if (core_has_pipe(core_->kind, p)) return;
    fail(ins, std::string(name_of(ins.op)) + " needs pipe " + std::string(name_of(p)) + ", which " +
                  kind_name() + " cores do not have (expected one of " +
                  join(names_of_pipes(core_->kind)) + ")");
  }

  void check_event_id(const Instr& ins) const {
    if (ins.event_id < chip_.core.event_ids) return;
    fail(ins, "event id " + std::to_string(ins.event_id) + " out of range (expected 0.." +
                  std::to_string(int64_t{chip_.core.event_ids} - 1) + " on " + chip_name() + ")");
  }

  void check_instr(const Instr& ins) const {
    switch (ins.op) {
      case Op::SET_FLAG:
      case Op::WAIT_FLAG:
        check_pipe(ins, ins.flag_src);
        check_pipe(ins, ins.flag_dst);
        if (ins.flag_src == ins.flag_dst)
          fail(ins, std::string(name_of(ins.op)) + " with src == dst (" +
                        std::string(name_of(ins.flag_src)) +
                        ") orders nothing (expected two different pipes; within one pipe use "
                        "PIPE_BARRIER)");
        check_event_id(ins);
        return;
      case Op::CROSS_SET:
      case Op::CROSS_WAIT:
        if (!chip_.split)
          fail(ins, std::string(name_of(ins.op)) + " on coupled " + chip_name() +
                        " (expected only on split chips, between AIC and AIV cores)");
        check_pipe(ins, ins.pipe);
        check_event_id(ins);
        return;
      default:
        check_pipe(ins, execution_pipe(ins, core_->kind));
        break;
    }
    switch (ins.op) {
      case Op::MTE1:
      case Op::MTE2:
      case Op::MTE3:
      case Op::FIXPIPE:
        check_path(ins);
        break;
      case Op::MMAD:
        check_operand(ins, "a", ins.a, Buffer::L0A);
        check_operand(ins, "b", ins.b, Buffer::L0B);
        check_operand(ins, "c", ins.c, Buffer::L0C);
        check_mmad_dtype(ins);
        break;
      case Op::VEC:
        check_vec_op(ins);
        check_operand(ins, "dst", ins.dst, Buffer::UB);
        check_operand(ins, "src0", ins.src, Buffer::UB);
        if (ins.has_src1) check_operand(ins, "src1", ins.src1, Buffer::UB);
        break;
      default:
        break;
    }
    for (const Access& access : accesses(ins, chip_.core)) check_range(ins, access);
  }

  void check_path(const Instr& ins) const {
    for (const PathRule& rule : kPathRules) {
      if (rule.op != ins.op || !arch_matches(rule.arch, chip_.split)) continue;
      if (rule.src == ins.src.buffer && rule.dst == ins.dst.buffer) {
        if (rule.optional_path != nullptr &&
            !((chip_.core.paths.*rule.optional_path).bytes_per_cycle > 0))
          fail(ins, std::string(name_of(ins.op)) + " path " + path_text(rule.src, rule.dst) +
                        " is absent on " + chip_name() + " (core.paths." +
                        std::string(rule.path_key) + " has no bandwidth)");
        return;
      }
    }
    // Not a legal path: list the legal ones (only now, since this is the error path).
    std::vector<std::string> legal;
    for (const PathRule& rule : kPathRules)
      if (rule.op == ins.op && arch_matches(rule.arch, chip_.split))
        legal.push_back(path_text(rule.src, rule.dst));
    fail(ins, "illegal " + std::string(name_of(ins.op)) + " path " +
                  path_text(ins.src.buffer, ins.dst.buffer) + " on " +
                  (chip_.split ? "split " : "coupled ") + chip_name() + " (expected one of " +
                  join(legal) + ")");
  }


  static std::string path_text(Buffer src, Buffer dst) {
    return std::string(name_of(src)) + " -> " + std::string(name_of(dst));
  }

  void check_operand(const Instr& ins, std::string_view key, const BufRef& ref,
                     Buffer expected) const {
    if (ref.buffer == expected) return;
    fail(ins, std::string(name_of(ins.op)) + " operand " + std::string(key) + " is in " +
                  std::string(name_of(ref.buffer)) + " (expected " +
                  std::string(name_of(expected)) + ")");
  }

  void check_mmad_dtype(const Instr& ins) const {
    const auto& supported = chip_.core.cube.k_per_cycle;
    if (supported.contains(ins.dtype)) return;
    std::vector<std::string> names;
    for (const auto& [dtype, k] : supported) names.emplace_back(name_of(dtype));
    fail(ins, "MMAD dtype " + std::string(name_of(ins.dtype)) +
                  " is not supported by the cube of " + chip_name() + " (expected one of " +
                  join(names) + ")");
  }

  void check_vec_op(const Instr& ins) const {
    const auto& ops = chip_.core.vector.ops;
    if (ops.contains(ins.vec_op)) return;
    std::vector<std::string> names;
    for (const auto& [name, cost] : ops) names.push_back(name);
    const std::string hint = did_you_mean(ins.vec_op, names);
    fail(ins, "unknown VEC op '" + ins.vec_op + "' for " + chip_name() +
                  (hint.empty() ? " (expected one of " + join(names) + ")" : hint));
  }

  void check_range(const Instr& ins, const Access& access) const {
    // Error texts are built only on failure: this runs for every range of every instruction.
    const Buffer b = access.buffer;
    const bool overflows = access.bytes > UINT64_MAX - access.addr;
    auto buf = [b] { return std::string(name_of(b)); };
    auto range = [&] {
      return "[" + hex(access.addr) + ", " +
             (overflows ? std::string("2^64+") : hex(access.addr + access.bytes)) + ")";
    };
    if (b == Buffer::GM) {
      if (overflows) fail(ins, "GM range " + range() + " wraps around the 64-bit address space");
      return;
    }
    if (!core_has_buffer(core_->kind, b))
      fail(ins, std::string(name_of(ins.op)) + " touches " + buf() + ", which " + kind_name() +
                    " cores do not have");
    const uint64_t capacity = chip_.core.buffers.of(b);
    if (capacity == 0)
      fail(ins, std::string(name_of(ins.op)) + " touches " + buf() + ", which " + chip_name() +
                    " does not have (core.buffers capacity 0)");
    if (overflows || access.addr + access.bytes > capacity)
      fail(ins, buf() + " range " + range() + " exceeds " + buf() + " capacity " +
                    human_bytes(capacity) + " (" + hex(capacity) + ")");
  }


  const KernelTrace& trace_;
  const ChipConfig& chip_;
  const CoreStream* core_ = nullptr;
  size_t index_ = 0;
};

}  // namespace

void validate_trace(const KernelTrace& trace, const ChipConfig& chip) {
  Validator(trace, chip).run();
}

}  // namespace npusim
