#pragma once
// Kernel trace generators: turn a kernel spec ("gemm m=4096 n=4096 k=4096 dtype=fp16") into a
// KernelTrace for one chip, tiled and synchronised the way an Ascend C kernel would be
// (see docs/kernels.md for each kernel's tiling and flag pattern).
//
// Each kernel kind is one KernelGenerator implementation in its own file (gemm.cpp,
// elementwise.cpp, softmax.cpp, norm.cpp, attention.cpp); kernel_generators() lists them.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sim/config/chip_config.h"
#include "sim/trace/kernel_trace.h"

namespace npusim {

/// One parameter a generator accepts, for --help and argument validation.
struct GeneratorParam {
  std::string name;
  std::string help;
  std::string default_value;  ///< empty = required
};

/// Builds the kernel trace of one kernel kind for a given chip.
class KernelGenerator {
 public:
  virtual ~KernelGenerator() = default;
  /// Kind name used in specs: "gemm", "elementwise", "softmax", "layernorm", "rmsnorm", ...
  [[nodiscard]] virtual std::string_view kind() const = 0;
  /// One line for --help.
  [[nodiscard]] virtual std::string_view summary() const = 0;
  /// Accepted parameters, in the order --help lists them.
  [[nodiscard]] virtual std::vector<GeneratorParam> params() const = 0;
  /// Generates the trace. `args` may omit parameters that have defaults; an unknown key, a
  /// missing required parameter or a bad value throws InputError. The trace's kernel line
  /// (name + attrs) holds every resolved argument, so it regenerates the same trace.
  [[nodiscard]] virtual KernelTrace generate(const std::map<std::string, std::string>& args,
                                             const ChipConfig& chip) const = 0;
};

/// Every registered generator, sorted by kind.
[[nodiscard]] const std::vector<const KernelGenerator*>& kernel_generators();

/// The generator of a kind; InputError (with did-you-mean and the known kinds) if unknown.
[[nodiscard]] const KernelGenerator& find_kernel_generator(std::string_view kind);

/// Parses "kind key=value ..." (whitespace separated) and generates the trace.
/// Throws InputError for an unknown kind or key, a token without '=', a repeated key or a bad
/// value.
[[nodiscard]] KernelTrace generate_kernel(const std::string& spec, const ChipConfig& chip);

/// Generates the trace of `kind` from already split arguments.
[[nodiscard]] KernelTrace generate_kernel(std::string_view kind,
                                          const std::map<std::string, std::string>& args,
                                          const ChipConfig& chip);

}  // namespace npusim
