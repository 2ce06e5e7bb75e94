#pragma once
// Sweep specs (docs/sweeps.md): a base npusim command, fixed arguments, and variables —
// grid axes, zipped axes, ranges, seeded random samples, derived values — whose values become
// `--set key=value` overrides, command options or `{name}` substitutions in the arguments.
// Constraints drop points before they run. Every point gets a stable id: a hash of its
// resolved command line, its variables and the npusim version.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/base/error.h"
#include "sim/sweep/expr.h"

namespace npusim::sweep {

/// Version string mixed into point ids (a new npusim version gives new ids).
[[nodiscard]] const std::string& npusim_version();

/// How a variable reaches the command line.
struct Binding {
  enum class Kind { none, set, option, flag } kind = Kind::none;
  std::string key;  ///< --set key path, or the option/flag ("--tp", "--sp")
};

/// One point of a sweep: values of all variables and the arguments that run it.
struct Point {
  std::string id;                                           ///< 16 hex digits
  std::vector<std::pair<std::string, std::string>> vars;    ///< name, value (spec order)
  std::vector<std::string> args;  ///< after `npusim`: command words, then options
};

/// A loaded spec, already expanded into its points.
struct SweepSpec {
  std::string path;                    ///< the spec file
  std::string name;                    ///< `name:` or the file's stem
  std::vector<std::string> command;    ///< e.g. {"chip", "run"}
  std::vector<std::string> var_names;  ///< the CSV input columns, spec order
  std::vector<Point> points;
  size_t dropped = 0;                  ///< points removed by constraints
  size_t duplicates = 0;               ///< points equal to an earlier one (same id)
};

/// The commands a sweep may run.
[[nodiscard]] const std::vector<std::string>& sweep_commands();

/// Reads and expands a spec; InputError (`path:line: message`) on anything wrong.
[[nodiscard]] SweepSpec load_sweep_spec(const std::string& path);
/// The same from text (`path` is only used in messages).
[[nodiscard]] SweepSpec parse_sweep_spec(const std::string& text, const std::string& path);

/// FNV-1a 64-bit hash of `text` as 16 lower-case hex digits.
[[nodiscard]] std::string hash_hex(const std::string& text);

/// The id of a point with these arguments and variables.
[[nodiscard]] std::string point_id(const std::vector<std::string>& args,
                                   const std::vector<std::pair<std::string, std::string>>& vars);

}  // namespace npusim::sweep
