#pragma once
// Runs collectives on the SystemC system model.
//
// SystemC elaborates one module hierarchy per process, so a process builds one
// SystemSimulator (one system config) and may run any number of collectives on it in
// sequence; queues, credits, HBM calendars and counters are reset between runs while
// simulated time keeps going. A different system needs another process.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/system/schedule.h"
#include "sim/base/types.h"
#include "sim/config/system_config.h"

namespace npusim {

struct SystemRunOptions {
  DType dtype = DType::fp32;  ///< element type: chunks and pieces split on its boundaries
  uint64_t chunk_bytes = 0;   ///< pipelining chunk; 0 = the system's collective.chunk_kib
  uint32_t root = 0;          ///< broadcast source
};

/// Per-link figures of one run.
struct LinkUse {
  std::string name;  ///< e.g. "hccs_0_to_1"
  uint64_t payload_bytes = 0;
  uint64_t wire_bytes = 0;
  double busy_fraction = 0;          ///< serialising / run time
  double credit_stall_fraction = 0;  ///< waiting for credits / run time
};

struct SystemRunResult {
  std::string system;
  std::string collective;
  std::string algorithm;  ///< the one that ran (auto resolved)
  uint32_t npus = 0;
  uint64_t bytes = 0;
  std::string dtype;
  uint64_t chunk_bytes = 0;
  double time_s = 0;
  double algbw_gbps = 0;  ///< bytes / time, 1e9 B/s
  double busbw_gbps = 0;  ///< algbw x bus_factor
  double start_ps = 0;    ///< simulated time the run started at
  uint64_t transfers = 0;
  uint64_t packets = 0;  ///< packet-hops simulated
  uint64_t events = 0;   ///< SystemC process activations
  double max_link_busy_fraction = 0;
  double max_hbm_busy_fraction = 0;
  std::vector<LinkUse> links;
};

class SystemModel;

class SystemSimulator {
 public:
  /// Builds the system model. Throws InternalError if this process already built one.
  explicit SystemSimulator(SystemConfig system);
  ~SystemSimulator();
  SystemSimulator(const SystemSimulator&) = delete;
  SystemSimulator& operator=(const SystemSimulator&) = delete;

  [[nodiscard]] const SystemConfig& config() const { return system_; }

  /// Runs one collective of `bytes`. `algorithm` is a registered name or "auto".
  /// InputError for an unknown or unsupported algorithm, or a size that is not a whole
  /// number of elements.
  SystemRunResult run(Collective collective, const std::string& algorithm, uint64_t bytes,
                      const SystemRunOptions& options = {});

  /// Checks what run() would check (size, algorithm, root) without simulating; InputError
  /// on the first problem. Lets a caller reject a whole sweep before it starts.
  void check(Collective collective, const std::string& algorithm, uint64_t bytes,
             const SystemRunOptions& options = {}) const;

  /// Runs a hand-made schedule (tests, experiments); bandwidths are left 0.
  SystemRunResult run_schedule(const Schedule& schedule);

  /// The algorithm `auto` picks: the supported one that is fastest on a probe of the message's
  /// first `kAutoProbeChunks` chunks (the whole message if smaller), simulated on this
  /// system; ties go to the registry order (fullmesh, ring, hd).
  [[nodiscard]] std::string choose_algorithm(Collective collective, uint64_t bytes,
                                             const SystemRunOptions& options);
  static constexpr uint64_t kAutoProbeChunks = 4;

  /// One-paragraph description: NPUs, chip, topology, links with their rates and bounds.
  [[nodiscard]] std::string describe() const;

 private:
  [[nodiscard]] CollectiveSpec spec_of(Collective collective, uint64_t bytes,
                                       const SystemRunOptions& options) const;
  SystemRunResult simulate(const Schedule& schedule);
  /// Runs a supported algorithm and fills in the collective's figures.
  SystemRunResult run_algorithm(Collective collective, const std::string& algorithm,
                                const CollectiveSpec& spec, DType dtype);
  /// Simulates every supported algorithm on the first chunks and returns the fastest; when
  /// the probe covered the whole message, `whole` receives that run's result.
  std::string probe(Collective collective, const CollectiveSpec& spec, DType dtype,
                    std::optional<SystemRunResult>* whole);

  SystemConfig system_;
  std::unique_ptr<SystemModel> model_;
  bool usable_ = true;
};

/// Runs one collective on `system`, building the process's SystemSimulator on first use
/// and reusing it afterwards (InternalError if a later call names a different system).
SystemRunResult run_collective(const SystemConfig& system, Collective collective,
                               const std::string& algorithm, uint64_t bytes,
                               const SystemRunOptions& options = {});

/// Describes a system without simulating (for `npusim system show`).
[[nodiscard]] std::string describe_system(const SystemConfig& system);

/// Parses "--bytes": one size ("64M") or a range "START..END[:FACTOR]" (factor 2 by
/// default); K, M, G, T are powers of 1024. Sizes start at START and grow by FACTOR while
/// they do not exceed END. InputError naming --bytes on anything malformed.
[[nodiscard]] std::vector<uint64_t> parse_byte_sizes(const std::string& text);
/// One size with an optional K/M/G/T suffix; nullopt if malformed.
[[nodiscard]] std::optional<uint64_t> parse_byte_size(const std::string& text);

/// "1 KiB", "4 MiB", "1.5 GiB", "1000 B".
[[nodiscard]] std::string format_bytes(uint64_t bytes);

}  // namespace npusim
