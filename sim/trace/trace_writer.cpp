#include "sim/trace/trace_writer.h"

#include <charconv>
#include <fstream>
#include <set>
#include <string_view>
#include <utility>

#include "sim/base/error.h"

namespace npusim {
namespace {

/// Appends one instruction per call to a growing string. Numbers go through std::to_chars:
/// the writer is on the path of generators that emit millions of instructions.
class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}

  void trace(const KernelTrace& t) {
    out_ += "npusim-trace ";
    dec(kTraceFormatVersion);
    out_ += '\n';
    if (!t.name.empty() || !t.attrs.empty()) {
      check_word(t.name, "kernel name", true);
      out_ += "kernel ";
      out_ += t.name;
      for (const auto& [attr_key, attr_value] : t.attrs) {
        check_word(attr_key, "kernel attribute key", true);
        check_word(attr_value, "value of kernel attribute '" + attr_key + "'", false);
        out_ += ' ';
        out_ += attr_key;
        out_ += '=';
        out_ += attr_value;
      }
      out_ += '\n';
    }
    std::set<std::pair<CoreKind, uint32_t>> seen;
    for (const CoreStream& core : t.cores) {
      core_ = &core;
      if (!seen.emplace(core.kind, core.index).second)
        fail_core("appears twice (expected one section per core)");
      out_ += "\ncore ";
      out_ += name_of(core.kind);
      out_ += ' ';
      dec(core.index);
      out_ += '\n';
      for (index_ = 0; index_ < core.instrs.size(); ++index_) instr(core.instrs[index_]);
    }
  }

 private:
  [[noreturn]] void fail_core(const std::string& what) const {
    throw InternalError("cannot write trace: core " + std::string(name_of(core_->kind)) + " " +
                        std::to_string(core_->index) + " " + what);
  }

  [[noreturn]] void fail_instr(const Instr& ins, const std::string& what) const {
    fail_core("instruction " + std::to_string(index_) + " (" + std::string(name_of(ins.op)) +
              "): " + what);
  }

  /// Names and values must survive tokenising: non-empty, no whitespace or control
  /// characters. What starts a token (a name, an attribute key) must also not start with
  /// '#' (a comment) nor contain '=' (the reader splits key=value at the first '=').
  static void check_word(std::string_view word, const std::string& what, bool starts_token) {
    bool ok = !word.empty() && !(starts_token && word.front() == '#');
    for (const char ch : word)
      if (static_cast<unsigned char>(ch) <= ' ' || ch == '\x7f' || (starts_token && ch == '='))
        ok = false;
    if (!ok)
      throw InternalError("cannot write trace: " + what + " '" + std::string(word) +
                          "' is not a single token (expected no spaces" +
                          (starts_token ? ", no '#' first, no '=')" : ")"));
  }

  void dec(uint64_t v) {
    char buf[24];
    const auto res = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, res.ptr);
  }

  void hex(uint64_t v) {
    char buf[24];
    const auto res = std::to_chars(buf, buf + sizeof buf, v, 16);
    out_ += "0x";
    out_.append(buf, res.ptr);
  }

  void key(std::string_view k) {
    out_ += ' ';
    out_ += k;
    out_ += '=';
  }

  void num(std::string_view k, uint64_t v) {
    key(k);
    dec(v);
  }

  void size(const Instr& ins, std::string_view k, uint64_t v) {
    if (v == 0) fail_instr(ins, std::string(k) + " is 0 (expected a positive count)");
    num(k, v);
  }

  void loc(std::string_view k, const BufRef& r) {
    key(k);
    out_ += name_of(r.buffer);
    out_ += ':';
    hex(r.addr);
  }

  void name(std::string_view k, std::string_view v) {
    key(k);
    out_ += v;
  }

  void instr(const Instr& ins) {
    out_ += name_of(ins.op);
    switch (ins.op) {
      case Op::MTE1:
      case Op::MTE2:
      case Op::MTE3:
        loc("src", ins.src);
        loc("dst", ins.dst);
        size(ins, "bytes", ins.bytes);
        if (ins.op == Op::MTE1 && ins.mte1_mode != Mte1Mode::plain)
          name("mode", name_of(ins.mte1_mode));
        break;
      case Op::FIXPIPE:
        loc("src", ins.src);
        loc("dst", ins.dst);
        size(ins, "bytes", ins.bytes);
        if (ins.out_bytes != 0) num("out_bytes", ins.out_bytes);
        break;
      case Op::MMAD:
        size(ins, "m", ins.m);
        size(ins, "k", ins.k);
        size(ins, "n", ins.n);
        name("dtype", name_of(ins.dtype));
        loc("a", ins.a);
        loc("b", ins.b);
        loc("c", ins.c);
        num("acc", ins.accumulate ? 1 : 0);
        break;
      case Op::VEC:
        check_word(ins.vec_op, "VEC op", false);
        name("op", ins.vec_op);
        name("dtype", name_of(ins.dtype));
        if ((ins.elements != 0) == (ins.repeat != 0))
          fail_instr(ins, "needs exactly one of elements and repeat");
        if (ins.elements != 0) {
          if (ins.rep_stride != 0) fail_instr(ins, "rep_stride is set in the elements form");
          num("elems", ins.elements);
        } else {
          num("repeat", ins.repeat);
          if (ins.rep_stride != 0) num("rep_stride", ins.rep_stride);
        }
        loc("dst", ins.dst);
        loc("src0", ins.src);
        if (ins.has_src1) loc("src1", ins.src1);
        if (ins.out_dtype != ins.dtype) name("out_dtype", name_of(ins.out_dtype));
        break;
      case Op::SCALAR:
        num("cycles", ins.cycles);
        break;
      case Op::SET_FLAG:
      case Op::WAIT_FLAG:
        name("src", name_of(ins.flag_src));
        name("dst", name_of(ins.flag_dst));
        num("id", ins.event_id);
        break;
      case Op::PIPE_BARRIER:
        name("pipe", ins.barrier_all ? std::string_view("ALL") : name_of(ins.pipe));
        break;
      case Op::CROSS_SET:
      case Op::CROSS_WAIT:
        name("pipe", name_of(ins.pipe));
        num("id", ins.event_id);
        break;
    }
    out_ += '\n';
  }

  std::string& out_;
  const CoreStream* core_ = nullptr;
  size_t index_ = 0;
};

}  // namespace

std::string write_trace(const KernelTrace& trace) {
  std::string out;
  // About 60 bytes per instruction line; one allocation up front for big traces.
  out.reserve(64 + trace.instruction_count() * 64);
  Writer(out).trace(trace);
  return out;
}

void write_trace(const KernelTrace& trace, std::ostream& out) {
  const std::string text = write_trace(trace);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
}

void write_trace_file(const KernelTrace& trace, const std::filesystem::path& path) {
  const std::string text = write_trace(trace);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw InputError(path.string() + ": cannot open for writing");
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) throw InputError(path.string() + ": write error");
}

}  // namespace npusim
