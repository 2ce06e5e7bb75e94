#pragma once
// Writer for kernel-trace text, format v1 (docs/trace-format.md).
//
// Output is canonical: keys in a fixed order, optional keys only when they differ from their
// default, addresses in lower-case hex, sections in the order of KernelTrace::cores. Writing,
// reading and writing again gives byte-identical text, and read(write(t)) has the same
// content as t.

#include <filesystem>
#include <ostream>
#include <string>

#include "sim/trace/kernel_trace.h"

namespace npusim {

/// Canonical text of `trace`. Throws InternalError if the trace cannot be written as text
/// the reader accepts (a zero size, an empty or blank name, both or neither of VEC's
/// elems/repeat, a duplicate core section): in-memory traces come from the reader or from
/// generators, so such a trace means a generator bug.
[[nodiscard]] std::string write_trace(const KernelTrace& trace);

/// Writes the canonical text of `trace` to a stream.
void write_trace(const KernelTrace& trace, std::ostream& out);

/// Writes the canonical text of `trace` to a file (replacing it). Throws InputError if the
/// file cannot be written.
void write_trace_file(const KernelTrace& trace, const std::filesystem::path& path);

}  // namespace npusim
