#pragma once
// Loading model specs (workloads/models/<name>.yaml): preset names vs paths, --set overrides
// ("model.layers=4" or "layers=4"), validation with one-line `path:line: what is wrong (what
// was expected)` errors (InputError) and unknown keys with a did-you-mean. Format:
// docs/models.md.

#include <string>
#include <vector>

#include "sim/config/model_config.h"

namespace npusim {

/// Loads a model: `name_or_path` is a preset name (workloads/models/<name>.yaml under
/// data_dir()) or a path to a .yaml file. `overrides` are "KEY=VALUE" strings as given to
/// `--set model.KEY=VALUE`; the "model." prefix is optional. Later overrides win.
/// Throws InputError on any problem with the file or the overrides.
[[nodiscard]] ModelSpec load_model(const std::string& name_or_path,
                                   const std::vector<std::string>& overrides = {});

/// Preset names found in workloads/models, sorted.
[[nodiscard]] std::vector<std::string> model_preset_names();

/// The resolved spec (overrides applied) as YAML text; each value is followed by a comment
/// naming the file:line or --set it came from. A `kind: ops` model also lists its generated
/// operators as comments.
[[nodiscard]] std::string resolved_model_yaml(const std::string& name_or_path,
                                              const std::vector<std::string>& overrides = {});

}  // namespace npusim
