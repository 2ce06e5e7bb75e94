#pragma once
// Reader for kernel-trace text, format v1 (docs/trace-format.md).
//
// The reader checks syntax only: names, numbers, required and unknown keys, section structure.
// Whether the trace fits a particular chip (pipes, buffers, paths, capacities, event ids) is
// checked by validate_trace (trace_validate.h).

#include <filesystem>
#include <string_view>

#include "sim/trace/kernel_trace.h"

namespace npusim {

/// Parses trace text. `path` names the source in error messages and is stored in
/// KernelTrace::path. Throws InputError `path:line:col: what is wrong (expected ...)` on the
/// first malformed line.
[[nodiscard]] KernelTrace read_trace(std::string_view text, std::string_view path);

/// Reads and parses a trace file. Throws InputError if it cannot be read or is malformed.
[[nodiscard]] KernelTrace read_trace_file(const std::filesystem::path& path);

}  // namespace npusim
