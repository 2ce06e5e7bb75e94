#pragma once
// Argument handling shared by the kernel generators: unknown-key checks, defaults, value
// parsing with uniform error messages ("kernel gemm: m must be a positive integer (got '-3')").

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sim/base/error.h"
#include "sim/base/types.h"
#include "sim/kernels/generator.h"

namespace npusim::kgen {

/// The arguments of one generate() call, checked against the generator's params().
class KernelArgs {
 public:
  /// Rejects keys the generator does not declare (InputError with did-you-mean and the
  /// accepted keys).
  KernelArgs(const KernelGenerator& generator, const std::map<std::string, std::string>& given);

  /// The given value, else the default; InputError if the parameter is required and missing.
  [[nodiscard]] std::string text(const std::string& key);
  /// A positive integer no larger than `max`.
  [[nodiscard]] uint64_t positive(const std::string& key, uint64_t max = uint64_t{1} << 31);
  /// 0 or 1.
  [[nodiscard]] bool flag(const std::string& key);
  /// A data type name from `allowed`; `why` names what restricts the choice in the error.
  [[nodiscard]] DType dtype(const std::string& key, const std::vector<DType>& allowed,
                            const std::string& why = "");
  /// One of `options`.
  [[nodiscard]] std::string choice(const std::string& key, const std::vector<std::string>& options);
  /// "all" (= available) or a count in 1..available of cores of `what` ("cube cores", ...).
  [[nodiscard]] uint32_t cores(const std::string& key, uint32_t available, const std::string& what);

  /// Records the value a parameter resolved to (e.g. cores=all -> 24) for the kernel line.
  void resolve(const std::string& key, std::string value);
  /// Every parameter with its resolved value (read or defaulted), for KernelTrace::attrs.
  [[nodiscard]] const std::map<std::string, std::string>& resolved() const { return resolved_; }

  /// InputError "kernel <kind>: <what>".
  [[nodiscard]] InputError error(const std::string& what) const;

 private:
  std::string kind_;
  std::vector<GeneratorParam> params_;
  std::map<std::string, std::string> given_;
  std::map<std::string, std::string> resolved_;
};

/// Shapes and sizes print as plain decimal in the kernel line.
[[nodiscard]] std::string to_text(uint64_t value);

}  // namespace npusim::kgen
