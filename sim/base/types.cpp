#include "sim/base/types.h"

#include "sim/base/error.h"

namespace npusim {
namespace {

constexpr std::array<std::string_view, kDTypeCount> kDTypeNames = {
    "fp16", "bf16", "fp32", "int8", "int4", "int16", "int32", "fp8"};
constexpr std::array<uint32_t, kDTypeCount> kDTypeBits = {16, 16, 32, 8, 4, 16, 32, 8};
constexpr std::array<std::string_view, kPipeCount> kPipeNames = {
    "SCALAR", "MTE1", "MTE2", "MTE3", "CUBE", "VECTOR", "FIXP"};
constexpr std::array<std::string_view, kBufferCount> kBufferNames = {"GM",  "L1",  "L0A",
                                                                     "L0B", "L0C", "UB"};
constexpr std::array<std::string_view, 3> kCoreKindNames = {"aicore", "aic", "aiv"};

template <typename Enum, size_t N>
std::optional<Enum> find_name(const std::array<std::string_view, N>& names, std::string_view s) {
  for (size_t i = 0; i < N; ++i)
    if (names[i] == s) return static_cast<Enum>(i);
  return std::nullopt;
}

template <size_t N>
std::vector<std::string> all_names(const std::array<std::string_view, N>& names) {
  return {names.begin(), names.end()};
}

}  // namespace

uint32_t dtype_bits(DType t) { return kDTypeBits[static_cast<size_t>(t)]; }
uint64_t dtype_bytes(DType t, uint64_t elements) { return (elements * dtype_bits(t) + 7) / 8; }

DType accumulator_dtype(DType t) {
  switch (t) {
    case DType::int8:
    case DType::int4:
    case DType::int16:
    case DType::int32:
      return DType::int32;
    default:
      return DType::fp32;
  }
}

std::string_view name_of(DType t) { return kDTypeNames[static_cast<size_t>(t)]; }
std::optional<DType> parse_dtype(std::string_view s) { return find_name<DType>(kDTypeNames, s); }
std::vector<std::string> dtype_names() { return all_names(kDTypeNames); }

std::string_view name_of(Pipe p) { return kPipeNames[static_cast<size_t>(p)]; }
std::optional<Pipe> parse_pipe(std::string_view s) {
  if (s == "S") return Pipe::SCALAR;
  if (s == "M") return Pipe::CUBE;
  if (s == "V") return Pipe::VECTOR;
  if (s == "FIX") return Pipe::FIXP;
  return find_name<Pipe>(kPipeNames, s);
}
std::vector<std::string> pipe_names() { return all_names(kPipeNames); }

std::string_view name_of(Buffer b) { return kBufferNames[static_cast<size_t>(b)]; }
std::optional<Buffer> parse_buffer(std::string_view s) { return find_name<Buffer>(kBufferNames, s); }
std::vector<std::string> buffer_names() { return all_names(kBufferNames); }

std::string_view name_of(CoreKind k) { return kCoreKindNames[static_cast<size_t>(k)]; }
std::optional<CoreKind> parse_core_kind(std::string_view s) {
  return find_name<CoreKind>(kCoreKindNames, s);
}

bool core_has_pipe(CoreKind k, Pipe p) {
  switch (k) {
    case CoreKind::aicore:
      return true;
    case CoreKind::aic:
      return p != Pipe::VECTOR && p != Pipe::MTE3;
    case CoreKind::aiv:
      return p == Pipe::SCALAR || p == Pipe::MTE2 || p == Pipe::MTE3 || p == Pipe::VECTOR;
  }
  throw InternalError("unknown core kind");
}

bool core_has_buffer(CoreKind k, Buffer b) {
  if (b == Buffer::GM) return true;
  switch (k) {
    case CoreKind::aicore:
      return true;
    case CoreKind::aic:
      return b != Buffer::UB;
    case CoreKind::aiv:
      return b == Buffer::UB;
  }
  throw InternalError("unknown core kind");
}

}  // namespace npusim
