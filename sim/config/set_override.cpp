#include "sim/config/set_override.h"

#include <vector>

namespace npusim::config {
namespace {

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

std::vector<std::string> split_dots(const std::string& key) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    const size_t dot = key.find('.', start);
    parts.push_back(key.substr(start, dot - start));
    if (dot == std::string::npos) return parts;
    start = dot + 1;
  }
}

/// {parts[i]: {parts[i+1]: ... value}}, built inside out so no node is reassigned.
YAML::Node nest(const std::vector<std::string>& parts, size_t i, const std::string& value) {
  if (i == parts.size()) return YAML::Node(value);
  YAML::Node map(YAML::NodeType::Map);
  map[parts[i]] = nest(parts, i + 1, value);
  return map;
}

}  // namespace

Layer parse_set_override(const std::string& text) {
  const std::string origin = "--set " + text;
  const SourcePos at{origin, 0, 0};
  const size_t eq = text.find('=');
  if (eq == std::string::npos)
    throw InputError(at, "missing '=' (expected key.path=value, e.g. core.cube.latency_cycles=24)");
  const std::string key = trim(text.substr(0, eq));
  const std::string value = trim(text.substr(eq + 1));
  const std::vector<std::string> parts = split_dots(key);
  for (const auto& part : parts)
    if (part.empty())
      throw InputError(at, "empty name in key '" + key +
                               "' (expected dot-separated key names, e.g. l2.size_mib)");
  if (parts.front() == "name")
    throw InputError(at,
                     "'name' cannot be changed with --set (it is the chip file's name; "
                     "expected any other key)");
  if (parts.front() == "base")
    throw InputError(at,
                     "'base' cannot be changed with --set (expected a chip file with "
                     "base: for inheritance)");
  return Layer{origin, true, nest(parts, 0, value)};
}

}  // namespace npusim::config
