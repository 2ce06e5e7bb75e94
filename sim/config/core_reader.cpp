// The `core` section of a chip file: queues, buffers, cube, vector, scalar and copy paths.

#include <algorithm>

#include "sim/base/text.h"
#include "sim/config/chip_reader.h"

namespace npusim::config {
namespace {

constexpr double kKiB = 1024.0;

CubeConfig read_cube(const MapReader& m) {
  CubeConfig cube;
  cube.tile_m = m.u32("tile_m", 1);
  cube.tile_n = m.u32("tile_n", 1);
  const MapReader k = m.named_map("k_per_cycle");
  for (const std::string& name : k.names(true)) {
    const auto dtype = parse_dtype(name);
    if (!dtype)
      k.fail(name, "unknown dtype '" + name + "' in '" + k.path() + "'" +
                       did_you_mean(name, dtype_names()) +
                       " (expected one of: " + join(dtype_names()) + ")");
    cube.k_per_cycle[*dtype] = k.u32(name, 1);
  }
  if (cube.k_per_cycle.empty())
    throw InputError(k.where(), "'" + m.path_of("k_per_cycle") +
                                    "' is empty (expected at least one dtype, e.g. fp16: 16)");
  cube.latency_cycles = m.u32("latency_cycles", 0);
  cube.min_issue_cycles = m.u32("min_issue_cycles", 1);
  return cube;
}

VectorConfig read_vector(const MapReader& m) {
  VectorConfig vector;
  vector.repeat_bytes = m.u32("repeat_bytes", 1);
  vector.min_issue_cycles = m.u32("min_issue_cycles", 1);
  const MapReader ops = m.named_map("ops");
  const std::vector<std::string> names = ops.names(false);
  for (const std::string& required : required_vector_ops())
    if (std::find(names.begin(), names.end(), required) == names.end())
      throw InputError(ops.where(), "missing vector op '" + ops.path_of(required) +
                                        "' (expected every op the kernel generators emit: " +
                                        join(required_vector_ops()) + ")");
  for (const std::string& name : names) {
    const MapReader op = ops.map(name, {"bytes_per_cycle", "latency_cycles", "flops_per_element"});
    VectorOpCost cost;
    cost.bytes_per_cycle = op.number("bytes_per_cycle", Bound::positive);
    cost.latency_cycles = op.u32("latency_cycles", 0);
    // Optional by design (struct comment): most ops do one FLOP per element.
    if (op.has("flops_per_element"))
      cost.flops_per_element = op.number("flops_per_element", Bound::non_negative);
    else
      op.record_default("flops_per_element", "optional, default 1");
    vector.ops[name] = cost;
  }
  return vector;
}

/// Which copy paths a core has depends on the architecture; a path that exists needs a rate
/// and one that does not must say 0, so a value is never silently ignored.
PathConfig read_path(const MapReader& paths, std::string_view name, bool present, bool split) {
  const MapReader m = paths.map(name, {"bytes_per_cycle", "latency_cycles"});
  const PathConfig path{m.number("bytes_per_cycle", Bound::non_negative),
                        m.u32("latency_cycles", 0)};
  const std::string arch = split ? "split" : "coupled";
  const std::string bad =
      "invalid value for '" + m.path_of("bytes_per_cycle") + "': " + m.raw("bytes_per_cycle");
  if (present && path.bytes_per_cycle <= 0)
    m.fail("bytes_per_cycle", bad + " (expected > 0: a " + arch + " core has this path)");
  if (!present && path.bytes_per_cycle != 0)
    m.fail("bytes_per_cycle", bad + " (expected 0: a " + arch + " core has no such path)");
  return path;
}

CorePaths read_paths(const MapReader& m, bool split) {
  // Coupled cores move data between the cube and vector sides inside the core; split cores
  // only through GM, and their FIXPIPE drains L0C into L1 (AscendC programming guide).
  CorePaths p;
  p.gm_read = read_path(m, "gm_read", true, split);
  p.gm_write = read_path(m, "gm_write", true, split);
  p.l1_to_l0a = read_path(m, "l1_to_l0a", true, split);
  p.l1_to_l0b = read_path(m, "l1_to_l0b", true, split);
  p.l1_to_ub = read_path(m, "l1_to_ub", !split, split);
  p.ub_to_l1 = read_path(m, "ub_to_l1", !split, split);
  p.l0c_to_l1 = read_path(m, "l0c_to_l1", split, split);
  p.l0c_to_ub = read_path(m, "l0c_to_ub", !split, split);
  return p;
}

}  // namespace

const std::vector<std::string>& required_vector_ops() {
  static const std::vector<std::string> ops = {
      "add",  "sub",        "mul",        "div",  "max",   "min",    "adds",
      "muls", "exp",        "ln",         "sqrt", "rsqrt", "abs",    "relu",
      "cast", "reduce_max", "reduce_sum", "dup",  "copy",  "select", "compare"};
  return ops;
}

CoreConfig read_core(const MapReader& m, bool split) {
  CoreConfig core;
  core.queue_depth = m.u32("queue_depth", 1);
  core.event_ids = m.u32("event_ids", 1);
  const MapReader b = m.map("buffers_kib", {"l1", "l0a", "l0b", "l0c", "ub"});
  core.buffers.l1 = b.size_bytes("l1", kKiB);
  core.buffers.l0a = b.size_bytes("l0a", kKiB);
  core.buffers.l0b = b.size_bytes("l0b", kKiB);
  core.buffers.l0c = b.size_bytes("l0c", kKiB);
  core.buffers.ub = b.size_bytes("ub", kKiB);
  core.cube = read_cube(
      m.map("cube", {"tile_m", "tile_n", "k_per_cycle", "latency_cycles", "min_issue_cycles"}));
  core.vector = read_vector(m.map("vector", {"repeat_bytes", "min_issue_cycles", "ops"}));
  core.scalar.dispatch_cycles = m.map("scalar", {"dispatch_cycles"}).u32("dispatch_cycles", 1);
  core.paths = read_paths(m.map("paths", {"gm_read", "gm_write", "l1_to_l0a", "l1_to_l0b",
                                          "l1_to_ub", "ub_to_l1", "l0c_to_l1", "l0c_to_ub"}),
                          split);
  return core;
}

}  // namespace npusim::config
