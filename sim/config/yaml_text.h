#pragma once
// Writing a resolved config back as YAML, each value followed by a comment saying where it
// came from (file:line or --set), so `config show`-style output loads again as a config file.

#include <fmt/format.h>

#include <string>
#include <vector>

#include "sim/config/yaml_reader.h"

namespace npusim::config {

/// Indented YAML lines, tracking the dotted path so values can be looked up in provenance.
class YamlText {
 public:
  explicit YamlText(const Provenance& provenance) : provenance_(provenance) {}

  void comment(const std::string& text) { out_ += "# " + text + "\n"; }
  void open(const std::string& key) {
    line(key + ":", "");
    path_.push_back(key);
  }
  void close() { path_.pop_back(); }
  void value(const std::string& key, const std::string& text) {
    line(key + ": " + text, dotted(key));
  }
  void value(const std::string& key, double number) { value(key, fmt::format("{}", number)); }
  void value(const std::string& key, uint32_t number) { value(key, std::to_string(number)); }
  [[nodiscard]] const std::string& str() const { return out_; }

 private:
  std::string dotted(const std::string& key) const {
    std::string p;
    for (const auto& part : path_) p += part + ".";
    return p + key;
  }
  void line(const std::string& text, const std::string& path) {
    out_ += std::string(2 * path_.size(), ' ') + text;
    if (const auto it = provenance_.find(path); !path.empty() && it != provenance_.end())
      out_ += "  # " + it->second;
    out_ += "\n";
  }

  const Provenance& provenance_;
  std::vector<std::string> path_;
  std::string out_;
};

/// A YAML double-quoted string: the description may hold any text.
inline std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

}  // namespace npusim::config
