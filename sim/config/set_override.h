#pragma once
// `--set key.path=value` overrides, turned into a layer that sits above the chip files.

#include <string>

#include "sim/config/yaml_reader.h"

namespace npusim::config {

/// Parses "a.b.c=value" into a layer holding {a: {b: {c: value}}}; the value stays a plain
/// scalar, so the schema decides whether it must be a number or a string. Errors are reported
/// at "--set a.b.c=value".
[[nodiscard]] Layer parse_set_override(const std::string& text);

}  // namespace npusim::config
