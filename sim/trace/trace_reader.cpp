#include "sim/trace/trace_reader.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "sim/base/error.h"
#include "sim/base/text.h"

namespace npusim {
namespace {

// ---- syntax tables ------------------------------------------------------------------------

/// Every operand key of the format. One enum for all ops: a key's meaning depends on the op
/// (src/dst are buffer locations for copies but pipes for SET_FLAG/WAIT_FLAG).
// clang-format off
enum class Key : uint8_t {
  src, dst, bytes, out_bytes, mode, m, k, n, dtype, a, b, c, acc, op, elems, repeat,
  rep_stride, out_dtype, src0, src1, cycles, id, pipe
};
constexpr size_t kKeyCount = 23;
constexpr std::array<std::string_view, kKeyCount> kKeyNames = {
    "src", "dst", "bytes", "out_bytes", "mode", "m", "k", "n", "dtype", "a", "b", "c", "acc",
    "op", "elems", "repeat", "rep_stride", "out_dtype", "src0", "src1", "cycles", "id", "pipe"};
// clang-format on
static_assert(kKeyCount <= 32, "key sets are 32-bit masks");

constexpr uint32_t bit(Key k) {
  return 1U << static_cast<unsigned>(k);
}
constexpr std::string_view key_name(Key k) {
  return kKeyNames[static_cast<size_t>(k)];
}

/// Keys an op accepts, in canonical order, and the mask of required ones.
struct OpSyntax {
  std::array<Key, 9> keys{};
  size_t count = 0;
  uint32_t required = 0;
};

constexpr OpSyntax syntax(std::initializer_list<Key> keys, std::initializer_list<Key> required) {
  OpSyntax s;
  for (Key k : keys) s.keys[s.count++] = k;
  for (Key k : required) s.required |= bit(k);
  return s;
}

/// Indexed by Op. VEC's elems/repeat choice is checked separately (exactly one is required).
constexpr std::array<OpSyntax, kOpCount> make_syntax_table() {
  using enum Key;
  return {
      syntax({src, dst, bytes}, {src, dst, bytes}),                       // MTE2
      syntax({src, dst, bytes, mode}, {src, dst, bytes}),                 // MTE1
      syntax({src, dst, bytes}, {src, dst, bytes}),                       // MTE3
      syntax({m, k, n, dtype, a, b, c, acc}, {m, k, n, dtype, a, b, c}),  // MMAD
      syntax({src, dst, bytes, out_bytes}, {src, dst, bytes}),            // FIXPIPE
      syntax({op, dtype, elems, repeat, rep_stride, dst, src0, src1, out_dtype},
             {op, dtype, dst, src0}),          // VEC
      syntax({cycles}, {cycles}),              // SCALAR
      syntax({src, dst, id}, {src, dst, id}),  // SET_FLAG
      syntax({src, dst, id}, {src, dst, id}),  // WAIT_FLAG
      syntax({pipe}, {pipe}),                  // PIPE_BARRIER
      syntax({pipe, id}, {pipe, id}),          // CROSS_SET
      syntax({pipe, id}, {pipe, id}),          // CROSS_WAIT
  };
}
constexpr std::array<OpSyntax, kOpCount> kSyntax = make_syntax_table();

std::optional<Op> parse_op(std::string_view s) {
  for (size_t i = 0; i < kOpCount; ++i)
    if (name_of(static_cast<Op>(i)) == s) return static_cast<Op>(i);
  return std::nullopt;
}

std::vector<std::string> op_names() {
  std::vector<std::string> names;
  for (size_t i = 0; i < kOpCount; ++i) names.emplace_back(name_of(static_cast<Op>(i)));
  return names;
}

std::optional<Mte1Mode> parse_mte1_mode(std::string_view s) {
  for (auto mode : {Mte1Mode::plain, Mte1Mode::im2col, Mte1Mode::transpose})
    if (name_of(mode) == s) return mode;
  return std::nullopt;
}

bool equal_ignoring_case(std::string_view x, std::string_view y) {
  if (x.size() != y.size()) return false;
  for (size_t i = 0; i < x.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(x[i])) !=
        std::tolower(static_cast<unsigned char>(y[i])))
      return false;
  return true;
}

/// "unknown <what> 'word'<context>" plus a did-you-mean hint, or the list of valid names
/// when nothing is close. Case-only differences (mte2 for MTE2) are always suggested.
std::string unknown_name(std::string_view what, std::string_view word,
                         const std::vector<std::string>& candidates,
                         std::string_view context = {}) {
  std::string msg = "unknown " + std::string(what) + " '" + std::string(word) + "'";
  msg += context;
  for (const auto& candidate : candidates)
    if (equal_ignoring_case(word, candidate)) return msg + " (did you mean '" + candidate + "'?)";
  const std::string hint = did_you_mean(word, candidates);
  if (!hint.empty()) return msg + hint;
  return msg + " (expected one of " + join(candidates) + ")";
}

/// Whitespace between tokens; '\r' too, so CRLF files read like LF files.
constexpr bool is_space(char ch) {
  return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

constexpr std::string_view kNumberHint = "expected a non-negative integer, decimal or 0x-hex";

// ---- parser ------------------------------------------------------------------------------

class Parser {
 public:
  Parser(std::string_view text, std::string_view path) : text_(text) { trace_.path = path; }

  KernelTrace run() {
    size_t pos = 0;
    while (pos < text_.size()) {
      size_t eol = text_.find('\n', pos);
      if (eol == std::string_view::npos) eol = text_.size();
      line_ = text_.substr(pos, eol - pos);
      cursor_ = 0;
      ++line_no_;
      pos = eol + 1;

      Token first;
      if (!next(first)) continue;  // blank or comment-only line
      if (!header_seen_) {
        parse_header(first);
      } else if (first.text == "core") {
        parse_core(first);
      } else if (first.text == "kernel") {
        parse_kernel(first);
      } else if (first.text == "npusim-trace") {
        fail(first.col, "duplicate header (expected it once, on the first line)");
      } else {
        parse_instr(first);
      }
    }
    if (!header_seen_) {
      line_no_ = 1;
      fail(1, "empty trace (expected header 'npusim-trace 1')");
    }
    return std::move(trace_);
  }

 private:
  struct Token {
    std::string_view text;
    uint32_t col = 0;  // 1-based
  };
  struct Slot {
    std::string_view value;
    uint32_t col = 0;
  };

  [[noreturn]] void fail(uint32_t col, const std::string& message) const {
    throw InputError(SourcePos{trace_.path, line_no_, col}, message);
  }

  /// Next token of the current line; false at end of line or at a comment ('#' that starts
  /// a token).
  bool next(Token& token) {
    while (cursor_ < line_.size() && is_space(line_[cursor_])) ++cursor_;
    if (cursor_ >= line_.size() || line_[cursor_] == '#') return false;
    const size_t start = cursor_;
    while (cursor_ < line_.size() && !is_space(line_[cursor_])) ++cursor_;
    token.text = line_.substr(start, cursor_ - start);
    token.col = static_cast<uint32_t>(start + 1);
    return true;
  }

  void expect_end() {
    Token extra;
    if (next(extra))
      fail(extra.col, "unexpected '" + std::string(extra.text) + "' (expected end of line)");
  }

  void parse_header(const Token& first) {
    if (first.text != "npusim-trace")
      fail(first.col, "missing header (expected 'npusim-trace " +
                          std::to_string(kTraceFormatVersion) + "' before anything else)");
    Token version;
    if (!next(version))
      fail(first.col, "header without a format version (expected 'npusim-trace 1')");
    const auto v = parse_u64(version.text);
    if (!v || *v != kTraceFormatVersion)
      fail(version.col, "unsupported trace format version '" + std::string(version.text) +
                            "' (expected " + std::to_string(kTraceFormatVersion) + ")");
    expect_end();
    header_seen_ = true;
  }

  void parse_kernel(const Token& first) {
    if (kernel_line_ != 0)
      fail(first.col, "duplicate kernel line (first at line " + std::to_string(kernel_line_) +
                          "; expected at most one)");
    if (!trace_.cores.empty())
      fail(first.col, "kernel line after a core section (expected it before the first 'core')");
    Token name;
    if (!next(name) || name.text.find('=') != std::string_view::npos)
      fail(first.col, "kernel line without a name (expected 'kernel NAME [key=value ...]')");
    trace_.name = name.text;
    kernel_line_ = line_no_;
    Token attr;
    while (next(attr)) {
      const size_t eq = attr.text.find('=');
      if (eq == std::string_view::npos || eq == 0 || eq + 1 == attr.text.size())
        fail(attr.col, "expected key=value, got '" + std::string(attr.text) + "'");
      const auto [it, inserted] = trace_.attrs.emplace(std::string(attr.text.substr(0, eq)),
                                                       std::string(attr.text.substr(eq + 1)));
      if (!inserted) fail(attr.col, "duplicate kernel attribute '" + it->first + "'");
    }
  }

  void parse_core(const Token& first) {
    static const std::vector<std::string> kKinds = {"aicore", "aic", "aiv"};
    Token kind_tok;
    Token index_tok;
    if (!next(kind_tok))
      fail(first.col, "core line without kind and index (expected 'core KIND INDEX')");
    const auto kind = parse_core_kind(kind_tok.text);
    if (!kind) fail(kind_tok.col, unknown_name("core kind", kind_tok.text, kKinds));
    if (!next(index_tok))
      fail(first.col, "core line without an index (expected 'core KIND INDEX')");
    const auto index = parse_u64(index_tok.text);
    if (!index || *index > std::numeric_limits<uint32_t>::max())
      fail(index_tok.col, "bad core index '" + std::string(index_tok.text) +
                              "' (expected an integer 0..4294967295)");
    expect_end();
    const auto idx = static_cast<uint32_t>(*index);
    const auto [it, inserted] = core_lines_.emplace(std::pair{*kind, idx}, line_no_);
    if (!inserted)
      fail(first.col, "duplicate core section '" + std::string(name_of(*kind)) + " " +
                          std::to_string(idx) + "' (first at line " + std::to_string(it->second) +
                          "; expected one section per core)");
    trace_.cores.push_back(CoreStream{*kind, idx, line_no_, {}});
  }

  void parse_instr(const Token& first) {
    const auto op_kind = parse_op(first.text);
    if (!op_kind) {
      std::vector<std::string> names = op_names();
      names.emplace_back("core");
      names.emplace_back("kernel");
      fail(first.col, unknown_name("instruction", first.text, names));
    }
    if (trace_.cores.empty())
      fail(first.col,
           "instruction before the first core section (expected a 'core KIND "
           "INDEX' line first)");

    const OpSyntax& syn = kSyntax[static_cast<size_t>(*op_kind)];
    seen_ = 0;
    Token token;
    while (next(token)) {
      const size_t eq = token.text.find('=');
      if (eq == std::string_view::npos || eq == 0 || eq + 1 == token.text.size())
        fail(token.col, "expected key=value, got '" + std::string(token.text) + "'");
      const std::string_view key_text = token.text.substr(0, eq);
      const Key* key = nullptr;
      for (size_t i = 0; i < syn.count; ++i)
        if (key_name(syn.keys[i]) == key_text) key = &syn.keys[i];
      if (key == nullptr) fail(token.col, unknown_key(*op_kind, key_text));
      if ((seen_ & bit(*key)) != 0)
        fail(token.col, "duplicate key '" + std::string(key_text) + "'");
      seen_ |= bit(*key);
      slots_[static_cast<size_t>(*key)] = Slot{token.text.substr(eq + 1), token.col};
    }
    for (size_t i = 0; i < syn.count; ++i)
      if ((syn.required & bit(syn.keys[i])) != 0 && !has(syn.keys[i]))
        fail(first.col, std::string(first.text) + " is missing key '" +
                            std::string(key_name(syn.keys[i])) + "' (expected " +
                            key_list(syn, true) + ")");

    using enum Key;
    Instr ins;
    ins.op = *op_kind;
    ins.line = line_no_;
    switch (*op_kind) {
      case Op::MTE1:
        if (has(mode)) ins.mte1_mode = mte1_mode_value(mode);
        [[fallthrough]];
      case Op::MTE2:
      case Op::MTE3:
        ins.src = location(src);
        ins.dst = location(dst);
        ins.bytes = positive(bytes);
        break;
      case Op::FIXPIPE:
        ins.src = location(src);
        ins.dst = location(dst);
        ins.bytes = positive(bytes);
        if (has(out_bytes)) ins.out_bytes = positive(out_bytes);
        break;
      case Op::MMAD:
        ins.m = positive32(m);
        ins.k = positive32(k);
        ins.n = positive32(n);
        ins.dtype = dtype_value(dtype);
        ins.a = location(a);
        ins.b = location(b);
        ins.c = location(c);
        if (has(acc)) ins.accumulate = flag_value(acc);
        break;
      case Op::VEC:
        parse_vec(first, ins);
        break;
      case Op::SCALAR:
        ins.cycles = number(cycles);
        break;
      case Op::SET_FLAG:
      case Op::WAIT_FLAG:
        ins.flag_src = pipe_value(src, false);
        ins.flag_dst = pipe_value(dst, false);
        ins.event_id = number32(id);
        break;
      case Op::PIPE_BARRIER:
        if (slot(pipe).value == "ALL")
          ins.barrier_all = true;
        else
          ins.pipe = pipe_value(pipe, true);
        break;
      case Op::CROSS_SET:
      case Op::CROSS_WAIT:
        ins.pipe = pipe_value(pipe, false);
        ins.event_id = number32(id);
        break;
    }
    trace_.cores.back().instrs.push_back(std::move(ins));
  }

  void parse_vec(const Token& first, Instr& ins) {
    using enum Key;
    ins.vec_op = slot(op).value;
    ins.dtype = dtype_value(dtype);
    ins.out_dtype = has(out_dtype) ? dtype_value(out_dtype) : ins.dtype;
    if (has(elems) && has(repeat))
      fail(std::max(slot(elems).col, slot(repeat).col),
           "VEC takes elems or repeat, not both (expected elems=N, or repeat=R [rep_stride=S])");
    if (has(elems)) {
      if (has(rep_stride))
        fail(slot(rep_stride).col,
             "rep_stride only applies with repeat (expected repeat=R "
             "rep_stride=S, or elems=N alone)");
      ins.elements = positive(elems);
    } else if (has(repeat)) {
      ins.repeat = positive32(repeat);
      if (has(rep_stride)) ins.rep_stride = number32(rep_stride);
    } else {
      fail(first.col,
           "VEC is missing key 'elems' or 'repeat' (expected elems=N, or repeat=R "
           "[rep_stride=S])");
    }
    ins.dst = location(dst);
    ins.src = location(src0);
    if (has(src1)) {
      ins.has_src1 = true;
      ins.src1 = location(src1);
    }
  }

  // ---- operand values (each fails at the column of its key=value token) ----

  [[nodiscard]] bool has(Key k) const { return (seen_ & bit(k)) != 0; }
  [[nodiscard]] const Slot& slot(Key k) const { return slots_[static_cast<size_t>(k)]; }

  std::string unknown_key(Op op_, std::string_view key_text) const {
    const OpSyntax& syn = kSyntax[static_cast<size_t>(op_)];
    std::vector<std::string> keys;
    for (size_t i = 0; i < syn.count; ++i) keys.emplace_back(key_name(syn.keys[i]));
    return unknown_name("key", key_text, keys, " for " + std::string(name_of(op_)));
  }

  static std::string key_list(const OpSyntax& syn, bool required_only) {
    std::vector<std::string> keys;
    for (size_t i = 0; i < syn.count; ++i)
      if (!required_only || (syn.required & bit(syn.keys[i])) != 0)
        keys.emplace_back(key_name(syn.keys[i]));
    return join(keys);
  }

  uint64_t number(Key k) const {
    const Slot& s = slot(k);
    const auto v = parse_u64(s.value);
    if (!v)
      fail(s.col, "bad value '" + std::string(s.value) + "' for " + std::string(key_name(k)) +
                      " (" + std::string(kNumberHint) + ")");
    return *v;
  }

  uint32_t number32(Key k) const {
    const uint64_t v = number(k);
    if (v > std::numeric_limits<uint32_t>::max())
      fail(slot(k).col, "value " + std::to_string(v) + " for " + std::string(key_name(k)) +
                            " is too large (expected at most 4294967295)");
    return static_cast<uint32_t>(v);
  }

  uint64_t positive(Key k) const {
    const uint64_t v = number(k);
    if (v == 0)
      fail(slot(k).col, std::string(key_name(k)) + "=0 is empty (expected a positive count)");
    return v;
  }

  uint32_t positive32(Key k) const {
    const uint32_t v = number32(k);
    if (v == 0)
      fail(slot(k).col, std::string(key_name(k)) + "=0 is empty (expected a positive count)");
    return v;
  }

  BufRef location(Key k) const {
    const Slot& s = slot(k);
    const size_t colon = s.value.find(':');
    if (colon == std::string_view::npos)
      fail(s.col, "bad location '" + std::string(s.value) + "' for " + std::string(key_name(k)) +
                      " (expected BUFFER:ADDRESS, e.g. L1:0x400)");
    const std::string_view buffer_text = s.value.substr(0, colon);
    const std::string_view addr_text = s.value.substr(colon + 1);
    const auto buffer = parse_buffer(buffer_text);
    if (!buffer)
      fail(s.col,
           unknown_name("buffer", buffer_text, buffer_names(), " in " + std::string(key_name(k))));
    const auto addr = parse_u64(addr_text);
    if (!addr)
      fail(s.col, "bad address '" + std::string(addr_text) + "' in " + std::string(key_name(k)) +
                      " (" + std::string(kNumberHint) + ")");
    return BufRef{*buffer, *addr};
  }

  Pipe pipe_value(Key k, bool all_allowed) const {
    const Slot& s = slot(k);
    const auto p = parse_pipe(s.value);
    if (!p) {
      std::vector<std::string> names = pipe_names();
      if (all_allowed) names.emplace_back("ALL");
      fail(s.col, unknown_name("pipe", s.value, names, " in " + std::string(key_name(k))));
    }
    return *p;
  }

  DType dtype_value(Key k) const {
    const Slot& s = slot(k);
    const auto t = parse_dtype(s.value);
    if (!t)
      fail(s.col, unknown_name("dtype", s.value, dtype_names(), " in " + std::string(key_name(k))));
    return *t;
  }

  Mte1Mode mte1_mode_value(Key k) const {
    const Slot& s = slot(k);
    const auto m_ = parse_mte1_mode(s.value);
    if (!m_) fail(s.col, unknown_name("MTE1 mode", s.value, {"plain", "im2col", "transpose"}));
    return *m_;
  }

  bool flag_value(Key k) const {
    const Slot& s = slot(k);
    if (s.value == "0") return false;
    if (s.value == "1") return true;
    fail(s.col, "bad value '" + std::string(s.value) + "' for " + std::string(key_name(k)) +
                    " (expected 0 or 1)");
  }

  std::string_view text_;
  KernelTrace trace_;
  std::string_view line_;
  size_t cursor_ = 0;
  uint32_t line_no_ = 0;
  bool header_seen_ = false;
  uint32_t kernel_line_ = 0;
  std::map<std::pair<CoreKind, uint32_t>, uint32_t> core_lines_;  // -> line of the header
  uint32_t seen_ = 0;                                             // keys of the current line
  std::array<Slot, kKeyCount> slots_{};
};

}  // namespace

KernelTrace read_trace(std::string_view text, std::string_view path) {
  return Parser(text, path).run();
}

KernelTrace read_trace_file(const std::filesystem::path& path) {
  const std::string name = path.string();
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw InputError(name + ": is a directory (expected a kernel trace file)");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(name + ": cannot open (expected a readable kernel trace file)");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw InputError(name + ": read error");
  const std::string text = std::move(buffer).str();
  return read_trace(text, name);
}

}  // namespace npusim
