#include "sim/kernels/kernel_args.h"

#include <algorithm>

#include "sim/base/text.h"

namespace npusim::kgen {

KernelArgs::KernelArgs(const KernelGenerator& generator,
                       const std::map<std::string, std::string>& given)
    : kind_(generator.kind()), params_(generator.params()), given_(given) {
  std::vector<std::string> names;
  for (const auto& p : params_) names.push_back(p.name);
  for (const auto& [key, value] : given_) {
    if (std::find(names.begin(), names.end(), key) == names.end())
      throw error("unknown parameter '" + key + "'" + did_you_mean(key, names) +
                  " (accepted: " + join(names) + ")");
  }
}

InputError KernelArgs::error(const std::string& what) const {
  return InputError("kernel " + kind_ + ": " + what);
}

std::string KernelArgs::text(const std::string& key) {
  const auto param = std::find_if(params_.begin(), params_.end(),
                                  [&](const GeneratorParam& p) { return p.name == key; });
  if (param == params_.end()) throw InternalError("kernel " + kind_ + " reads undeclared " + key);
  const auto it = given_.find(key);
  std::string value = it != given_.end() ? it->second : param->default_value;
  if (value.empty()) throw error("missing required parameter " + key + " (" + param->help + ")");
  resolved_[key] = value;
  return value;
}

uint64_t KernelArgs::positive(const std::string& key, uint64_t max) {
  const std::string value = text(key);
  const auto parsed = parse_u64(value);
  if (!parsed || *parsed == 0)
    throw error(key + " must be a positive integer (got '" + value + "')");
  if (*parsed > max)
    throw error(key + " must be at most " + to_text(max) + " (got '" + value + "')");
  resolved_[key] = to_text(*parsed);
  return *parsed;
}

bool KernelArgs::flag(const std::string& key) {
  const std::string value = text(key);
  if (value != "0" && value != "1") throw error(key + " must be 0 or 1 (got '" + value + "')");
  return value == "1";
}

DType KernelArgs::dtype(const std::string& key, const std::vector<DType>& allowed,
                        const std::string& why) {
  const std::string value = text(key);
  std::vector<std::string> names;
  for (DType t : allowed) names.emplace_back(name_of(t));
  const auto parsed = parse_dtype(value);
  if (!parsed) {
    throw error(key + " '" + value + "' is not a data type" + did_you_mean(value, dtype_names()) +
                " (expected one of " + join(names) + ")");
  }
  if (std::find(allowed.begin(), allowed.end(), *parsed) == allowed.end()) {
    throw error(key + " " + value + " is not supported" + (why.empty() ? "" : " " + why) +
                " (supported: " + join(names) + ")");
  }
  return *parsed;
}

std::string KernelArgs::choice(const std::string& key, const std::vector<std::string>& options) {
  const std::string value = text(key);
  if (std::find(options.begin(), options.end(), value) == options.end())
    throw error(key + " '" + value + "' is not known" + did_you_mean(value, options) +
                " (expected one of " + join(options) + ")");
  return value;
}

uint32_t KernelArgs::cores(const std::string& key, uint32_t available, const std::string& what) {
  if (available == 0) throw error("the chip has no " + what);
  const std::string value = text(key);
  uint64_t count = available;
  if (value != "all") {
    const auto parsed = parse_u64(value);
    if (!parsed || *parsed == 0)
      throw error(key + " must be 'all' or a positive integer (got '" + value + "')");
    if (*parsed > available)
      throw error(key + " must be at most " + to_text(available) + ", the number of " + what +
                  " on this chip (got '" + value + "')");
    count = *parsed;
  }
  resolved_[key] = to_text(count);
  return static_cast<uint32_t>(count);
}

void KernelArgs::resolve(const std::string& key, std::string value) {
  resolved_[key] = std::move(value);
}

std::string to_text(uint64_t value) {
  return std::to_string(value);
}

}  // namespace npusim::kgen
