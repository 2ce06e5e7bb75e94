#include "sim/config/yaml_reader.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>

#include "sim/base/text.h"

namespace npusim::config {
namespace {

/// How a value looks, for "wrong type" messages.
std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return "'" + node.Scalar() + "'";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    default:
      return "an empty value";
  }
}

/// yaml-cpp tags quoted scalars "!": a quoted "16" is text, not a number.
bool is_quoted(const YAML::Node& node) {
  return node.Tag() == "!";
}

/// "ascend910b.yaml:12" or "--set a=b": short enough to follow every value in `config show`.
std::string short_position(const Layer& layer, const YAML::Mark& mark) {
  if (layer.is_override || mark.is_null()) return layer.origin;
  return std::filesystem::path(layer.origin).filename().string() + ":" +
         std::to_string(mark.line + 1);
}

}  // namespace

SourcePos position(const Layer& layer, const YAML::Mark& mark) {
  if (layer.is_override || mark.is_null() || mark.line < 0) return {layer.origin, 0, 0};
  return {layer.origin, static_cast<uint32_t>(mark.line + 1), 0};
}

MapReader::MapReader(std::vector<Part> parts, std::string path, std::vector<std::string> keys,
                     Provenance* provenance)
    : parts_(std::move(parts)),
      path_(std::move(path)),
      keys_(std::move(keys)),
      named_(keys_.empty()),
      provenance_(provenance) {
  check_keys();
}

MapReader MapReader::root(const std::vector<Layer>& layers, std::vector<std::string> keys,
                          Provenance* provenance) {
  std::vector<Part> parts;
  for (const Layer& layer : layers) parts.push_back({&layer, layer.root, layer.root.Mark()});
  return MapReader(std::move(parts), "", std::move(keys), provenance);
}

void MapReader::check_keys() const {
  for (const Part& part : parts_) {
    std::map<std::string, int> seen;  // key -> 0-based line of its first appearance
    for (const auto& kv : part.node) {
      const YAML::Node& key = kv.first;
      const SourcePos at = position(*part.layer, key.Mark());
      if (!key.IsScalar())
        throw InputError(
            at, "invalid key " +
                    (path_.empty() ? std::string("at the top level") : "in '" + path_ + "'") +
                    ": " + describe(key) + " (expected a plain name)");
      const std::string& name = key.Scalar();
      if (const auto [first, fresh] = seen.emplace(name, key.Mark().line); !fresh)
        throw InputError(at, "duplicate key '" + path_of(name) + "' (first given at line " +
                                 std::to_string(first->second + 1) + "; give each key once)");
      if (named_ || std::find(keys_.begin(), keys_.end(), name) != keys_.end()) continue;
      const auto match = closest_match(name, keys_);
      throw InputError(at, "unknown key '" + path_of(name) + "'" +
                               (match ? " (did you mean '" + path_of(*match) + "'?)"
                                      : " (expected one of: " + join(keys_) + ")"));
    }
  }
}

void MapReader::check_allowed(std::string_view key) const {
  // Reading a key the map was not opened with is a bug in the schema code, not bad input.
  if (!named_ && std::find(keys_.begin(), keys_.end(), key) == keys_.end())
    throw InternalError("config key '" + path_of(key) + "' read but not declared");
}

MapReader::Found MapReader::find_in(const Part& part, std::string_view key) {
  for (const auto& kv : part.node)
    if (kv.first.Scalar() == key) return {part.layer, kv.second, kv.first.Mark()};
  return {};
}

MapReader::Found MapReader::find(std::string_view key) const {
  for (const Part& part : parts_)
    if (Found found = find_in(part, key); found.layer != nullptr) return found;
  return {};
}

MapReader::Found MapReader::require(std::string_view key, std::string_view expected) const {
  check_allowed(key);
  Found found = find(key);
  if (found.layer == nullptr)
    throw InputError(where(), "missing required key '" + path_of(key) + "' (expected " +
                                  std::string(expected) + ")");
  return found;
}

MapReader MapReader::sub_map(std::string_view key, std::vector<std::string> keys) const {
  check_allowed(key);
  std::vector<Part> parts;
  for (const Part& part : parts_) {
    const Found found = find_in(part, key);
    if (found.layer == nullptr) continue;
    if (!found.value.IsMap()) {
      if (parts.empty())
        throw InputError(position(*found.layer, found.key_mark), "wrong type for '" + path_of(key) +
                                                                     "': " + describe(found.value) +
                                                                     " (expected a map)");
      break;  // something other than a map replaces everything below it
    }
    parts.push_back({found.layer, found.value, found.key_mark});
  }
  if (parts.empty())
    throw InputError(where(), "missing required key '" + path_of(key) + "' (expected a map)");
  return MapReader(std::move(parts), path_of(key), std::move(keys), provenance_);
}

MapReader MapReader::map(std::string_view key, std::vector<std::string> keys) const {
  if (keys.empty()) throw InternalError("MapReader::map needs its allowed keys");
  return sub_map(key, std::move(keys));
}

MapReader MapReader::named_map(std::string_view key) const {
  return sub_map(key, {});
}

bool MapReader::has(std::string_view key) const {
  check_allowed(key);
  return find(key).layer != nullptr;
}

std::vector<std::string> MapReader::names(bool allow_new_from_override) const {
  std::vector<std::string> from_files, all;
  for (auto part = parts_.rbegin(); part != parts_.rend(); ++part) {
    for (const auto& kv : part->node) {
      const std::string& name = kv.first.Scalar();
      if (std::find(all.begin(), all.end(), name) == all.end()) all.push_back(name);
      if (!part->layer->is_override &&
          std::find(from_files.begin(), from_files.end(), name) == from_files.end())
        from_files.push_back(name);
    }
  }
  if (allow_new_from_override) return all;
  for (const Part& part : parts_) {
    if (!part.layer->is_override) continue;
    for (const auto& kv : part.node) {
      const std::string& name = kv.first.Scalar();
      if (std::find(from_files.begin(), from_files.end(), name) != from_files.end()) continue;
      const auto match = closest_match(name, from_files);
      throw InputError(position(*part.layer, kv.first.Mark()),
                       "unknown key '" + path_of(name) + "'" +
                           (match ? " (did you mean '" + path_of(*match) + "'?)"
                                  : " (--set changes existing entries; add new ones in a "
                                    "chip file)"));
    }
  }
  return all;
}

void MapReader::record(std::string_view key, const Found& found) const {
  if (provenance_ != nullptr)
    (*provenance_)[path_of(key)] = short_position(*found.layer, found.key_mark);
}

void MapReader::record_default(std::string_view key, const std::string& note) const {
  if (provenance_ != nullptr) (*provenance_)[path_of(key)] = note;
}

std::string MapReader::text(std::string_view key) const {
  const Found found = require(key, "a string");
  if (!found.value.IsScalar())
    throw InputError(
        position(*found.layer, found.key_mark),
        "wrong type for '" + path_of(key) + "': " + describe(found.value) + " (expected a string)");
  record(key, found);
  return found.value.Scalar();
}

std::string MapReader::scalar_for_number(std::string_view key, const Found& found,
                                         std::string_view expected) const {
  if (!found.value.IsScalar() || is_quoted(found.value))
    throw InputError(
        position(*found.layer, found.key_mark),
        "wrong type for '" + path_of(key) + "': " +
            (found.value.IsScalar() ? "the quoted string \"" + found.value.Scalar() + "\""
                                    : describe(found.value)) +
            " (expected " + std::string(expected) + ")");
  record(key, found);
  return found.value.Scalar();
}

double MapReader::number(std::string_view key, Bound bound) const {
  const Found found = require(key, "a number");
  const std::string text = scalar_for_number(key, found, "a number");
  const auto value = parse_double(text);
  const SourcePos at = position(*found.layer, found.key_mark);
  if (!value)
    throw InputError(at,
                     "wrong type for '" + path_of(key) + "': '" + text + "' (expected a number)");
  if (bound == Bound::positive && !(*value > 0))
    throw InputError(
        at, "invalid value for '" + path_of(key) + "': " + text + " (expected a number > 0)");
  if (bound == Bound::non_negative && *value < 0)
    throw InputError(
        at, "invalid value for '" + path_of(key) + "': " + text + " (expected a number >= 0)");
  if (bound == Bound::fraction && !(*value > 0 && *value <= 1))
    throw InputError(at, "invalid value for '" + path_of(key) + "': " + text +
                             " (expected a fraction in (0, 1])");
  return *value;
}

uint32_t MapReader::u32(std::string_view key, uint32_t min) const {
  const std::string expected = "an integer >= " + std::to_string(min);
  const Found found = require(key, "an integer");
  const std::string text = scalar_for_number(key, found, expected);
  const SourcePos at = position(*found.layer, found.key_mark);
  const auto value = parse_u64(text);
  if (!value) {
    // A number that is not a non-negative integer is a range error; anything else a type error.
    const bool numeric = parse_double(text).has_value();
    throw InputError(at, std::string(numeric ? "invalid value" : "wrong type") + " for '" +
                             path_of(key) + "': " + text + " (expected " + expected + ")");
  }
  if (*value < min || *value > std::numeric_limits<uint32_t>::max())
    throw InputError(at, "invalid value for '" + path_of(key) + "': " + text + " (expected " +
                             expected + " that fits in 32 bits)");
  return static_cast<uint32_t>(*value);
}

uint64_t MapReader::size_bytes(std::string_view key, double unit_bytes) const {
  const double value = number(key, Bound::positive);
  const double bytes = value * unit_bytes;
  // 2^53: beyond it a double no longer holds every whole byte count.
  if (bytes != std::floor(bytes) || bytes > 9007199254740992.0)
    fail(key, "invalid value for '" + path_of(key) + "': " + raw(key) +
                  " (expected a size that is a whole number of bytes)");
  return static_cast<uint64_t>(bytes);
}

std::string MapReader::raw(std::string_view key) const {
  const Found found = find(key);
  return found.layer != nullptr && found.value.IsScalar() ? found.value.Scalar() : "";
}

std::string MapReader::path_of(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

SourcePos MapReader::where(std::string_view key) const {
  const Found found = find(key);
  return found.layer != nullptr ? position(*found.layer, found.key_mark) : where();
}

SourcePos MapReader::where() const {
  // Prefer a file over a --set: a missing key is something the file should have said.
  for (const Part& part : parts_)
    if (!part.layer->is_override) return position(*part.layer, part.key_mark);
  return position(*parts_.front().layer, parts_.front().key_mark);
}

void MapReader::fail(std::string_view key, const std::string& message) const {
  throw InputError(where(key), message);
}

}  // namespace npusim::config
