#pragma once
// Vocabulary shared by configs, traces and models: data types, pipes, buffers, core kinds.
// Each enum has a canonical lower-case (dtype, buffer, core kind) or upper-case (pipe) name
// used in YAML, traces, JSON and timelines.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace npusim {

enum class DType : uint8_t { fp16, bf16, fp32, int8, int4, int16, int32, fp8 };
inline constexpr size_t kDTypeCount = 8;

/// Storage size in bits (int4 is 4).
[[nodiscard]] uint32_t dtype_bits(DType t);
/// Bytes for `elements` values of type t, rounded up to whole bytes.
[[nodiscard]] uint64_t dtype_bytes(DType t, uint64_t elements);
/// Accumulator type the cube writes to L0C for inputs of type t (fp32 for floats, int32 for ints).
[[nodiscard]] DType accumulator_dtype(DType t);
[[nodiscard]] std::string_view name_of(DType t);
[[nodiscard]] std::optional<DType> parse_dtype(std::string_view name);
[[nodiscard]] std::vector<std::string> dtype_names();

/// Execution pipes of a Da Vinci core. Names follow CANN's simulator lanes.
enum class Pipe : uint8_t { SCALAR, MTE1, MTE2, MTE3, CUBE, VECTOR, FIXP };
inline constexpr size_t kPipeCount = 7;
inline constexpr std::array<Pipe, kPipeCount> kAllPipes = {
    Pipe::SCALAR, Pipe::MTE1, Pipe::MTE2, Pipe::MTE3, Pipe::CUBE, Pipe::VECTOR, Pipe::FIXP};

/// Lane name: SCALAR, MTE1, MTE2, MTE3, CUBE, VECTOR, FIXP.
[[nodiscard]] std::string_view name_of(Pipe p);
/// Accepts lane names and Ascend C short names (S, M, V, FIX).
[[nodiscard]] std::optional<Pipe> parse_pipe(std::string_view name);
[[nodiscard]] std::vector<std::string> pipe_names();

/// Storage levels an instruction can name. GM is global memory (L2 + HBM behind it).
enum class Buffer : uint8_t { GM, L1, L0A, L0B, L0C, UB };
inline constexpr size_t kBufferCount = 6;
[[nodiscard]] std::string_view name_of(Buffer b);
[[nodiscard]] std::optional<Buffer> parse_buffer(std::string_view name);  // "GM", "L1", ...
[[nodiscard]] std::vector<std::string> buffer_names();

/// Core kinds: a coupled AI core (910A, 310P) or, on split chips (910B/C), a cube core (AIC)
/// or a vector core (AIV).
enum class CoreKind : uint8_t { aicore, aic, aiv };
[[nodiscard]] std::string_view name_of(CoreKind k);
[[nodiscard]] std::optional<CoreKind> parse_core_kind(std::string_view name);

/// Which pipes a core kind has.
[[nodiscard]] bool core_has_pipe(CoreKind k, Pipe p);
/// Which on-core buffers a core kind has (GM is reachable from every kind).
[[nodiscard]] bool core_has_buffer(CoreKind k, Buffer b);

}  // namespace npusim
