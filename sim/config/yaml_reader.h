#pragma once
// Typed, strict reading of layered YAML maps.
//
// A config is a stack of layers: --set overrides on top, then the chip file, then the file it
// names as `base:`, and so on. Reading a key looks through the layers top-first, which is a
// deep merge of maps without copying nodes, so every value keeps its own file and line for
// error messages. Each map is opened with the list of keys it may hold; anything else is an
// error with a did-you-mean, so a typo never turns into a silently ignored key.

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sim/base/error.h"

namespace npusim::config {

/// One YAML document contributing keys: a chip file or a single --set override.
struct Layer {
  std::string origin;        ///< file path, or "--set a.b=c"
  bool is_override = false;  ///< --set layers have no line numbers
  YAML::Node root;           ///< always a map
};

/// Where each leaf value was read from ("file.yaml:12" or "--set a=b"), by dotted key path.
using Provenance = std::map<std::string, std::string>;

/// Lower bound a number must respect.
/// Allowed range of a number: >= 0, > 0, or a fraction in (0, 1].
enum class Bound { non_negative, positive, fraction };

/// A YAML map seen through every layer that defines it (highest precedence first).
class MapReader {
 public:
  /// The root map of a stack of layers (top layer first), allowed to hold `keys`.
  static MapReader root(const std::vector<Layer>& layers, std::vector<std::string> keys,
                        Provenance* provenance);

  /// Required sub-map holding only `keys`.
  [[nodiscard]] MapReader map(std::string_view key, std::vector<std::string> keys) const;
  /// Sub-map whose keys are names chosen by the file (dtypes, op names); see names().
  [[nodiscard]] MapReader named_map(std::string_view key) const;
  /// Whether any layer defines `key`.
  [[nodiscard]] bool has(std::string_view key) const;

  /// Keys of a named map, base layer's order first. A name that only --set layers define is
  /// rejected unless `allow_new_from_override`: --set may change entries, not invent them.
  [[nodiscard]] std::vector<std::string> names(bool allow_new_from_override) const;

  [[nodiscard]] std::string text(std::string_view key) const;
  [[nodiscard]] double number(std::string_view key, Bound bound) const;
  [[nodiscard]] uint32_t u32(std::string_view key, uint32_t min) const;
  /// A size given in `unit_bytes` units (KiB, MiB, GiB), converted to a positive whole byte
  /// count.
  [[nodiscard]] uint64_t size_bytes(std::string_view key, double unit_bytes) const;

  /// Notes in the provenance that an optional key took its documented default.
  void record_default(std::string_view key, const std::string& note) const;

  /// A scalar value exactly as written (for messages about values that parsed fine).
  [[nodiscard]] std::string raw(std::string_view key) const;

  /// Dotted path of this map, e.g. "core.cube".
  [[nodiscard]] const std::string& path() const { return path_; }
  /// Dotted path of a key in this map, e.g. "core.cube.tile_m".
  [[nodiscard]] std::string path_of(std::string_view key) const;
  /// Location of a key: the line that names it (for errors found after reading).
  [[nodiscard]] SourcePos where(std::string_view key) const;
  /// Location of this map: the line of its key in the topmost file that defines it.
  [[nodiscard]] SourcePos where() const;
  /// Throws InputError at the location of `key`.
  [[noreturn]] void fail(std::string_view key, const std::string& message) const;

 private:
  /// This map as one layer sees it.
  struct Part {
    const Layer* layer = nullptr;
    YAML::Node node;      // the map itself
    YAML::Mark key_mark;  // where the key naming this map is (root: the map's own mark)
  };
  /// A value found for a key: its layer, its node and its key's mark.
  struct Found {
    const Layer* layer = nullptr;
    YAML::Node value;
    YAML::Mark key_mark;
  };

  MapReader(std::vector<Part> parts, std::string path, std::vector<std::string> keys,
            Provenance* provenance);
  void check_keys() const;
  void check_allowed(std::string_view key) const;
  [[nodiscard]] static Found find_in(const Part& part, std::string_view key);
  [[nodiscard]] Found find(std::string_view key) const;
  [[nodiscard]] Found require(std::string_view key, std::string_view expected) const;
  [[nodiscard]] MapReader sub_map(std::string_view key, std::vector<std::string> keys) const;
  void record(std::string_view key, const Found& found) const;
  [[nodiscard]] std::string scalar_for_number(std::string_view key, const Found& found,
                                              std::string_view expected) const;

  std::vector<Part> parts_;
  std::string path_;                  // dotted path of this map ("" for the root)
  std::vector<std::string> keys_;     // allowed keys; empty for a named map
  bool named_ = false;                // keys are free names (dtypes, op names)
  Provenance* provenance_ = nullptr;  // optional; filled as leaves are read
};

/// Location of a node in a layer: file:line (1-based) or the --set text.
[[nodiscard]] SourcePos position(const Layer& layer, const YAML::Mark& mark);

}  // namespace npusim::config
