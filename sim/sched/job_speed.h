#pragma once
// How fast a job runs on a placement (docs/fleet.md, "Job speed"): the fleet level asks the
// cluster level (simulate_training, roofline kernel pricing) for the step time of the job's
// model, or of the fleet's reference model for duration-only jobs, on the placement's shape,
// and caches it per (pool, model, shape).

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "sim/sched/fleet.h"
#include "sim/sched/job_trace.h"

namespace npusim::sched {

/// What the speed of a job depends on: pool, whole NPUs, nodes and pods used.
struct Shape {
  uint32_t pool = 0;
  uint32_t npus = 1;
  uint32_t nodes = 1;
  uint32_t pods = 1;
  auto operator<=>(const Shape&) const = default;
};

/// The packed shape of `npus` NPUs in a pool: fewest nodes, one pod if it fits.
[[nodiscard]] Shape packed_shape(const Fleet& fleet, uint32_t pool, uint32_t npus);

class SpeedModel {
 public:
  virtual ~SpeedModel() = default;
  /// Wall time of the whole job alone on `shape`, s. InputError if the job cannot run there.
  [[nodiscard]] virtual double run_s(const Job& job, uint32_t ref_pool, const Shape& shape) = 0;
  /// Time to save (and, equally, to restore) the job's checkpoint on `shape`, s.
  [[nodiscard]] virtual double checkpoint_s(const Job& job, const Shape& shape) = 0;
  /// Average power of a busy NPU of the pool (chip + other IT power, before PUE), W.
  [[nodiscard]] virtual double busy_w_per_npu(uint32_t pool) = 0;
};

struct ClusterSpeedOptions {
  double checkpoint_s = 30;  ///< save (= restore) time of duration-only jobs, s (assumed)
  bool check_penalty = true; ///< InputError if a spread shape comes out faster than packed
};

/// Speeds from the cluster level. Duration-only jobs: duration x step(reference model, pool,
/// shape) / step(reference model, reference pool, packed). Model jobs: iterations x
/// step(model, pool, shape). Spread shapes run the cluster model with fewer NPUs per node
/// (node.npus = NPUs per node used), and shapes over several pods with the pool's spine
/// oversubscription (or smaller supernodes).
class ClusterSpeedModel : public SpeedModel {
 public:
  ClusterSpeedModel(const Fleet& fleet, ClusterSpeedOptions options = {});
  ~ClusterSpeedModel() override;
  double run_s(const Job& job, uint32_t ref_pool, const Shape& shape) override;
  double checkpoint_s(const Job& job, const Shape& shape) override;
  double busy_w_per_npu(uint32_t pool) override;
  /// Cluster-level runs made so far (distinct (pool, model, shape) keys).
  [[nodiscard]] uint64_t cluster_runs() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// A formula-only speed model for tests and quick studies: a job runs `duration (or 1 s per
/// iteration) x (1 + node_penalty x extra nodes + pod_penalty x extra pods) x
/// pool_speed[reference pool] / pool_speed[pool]`, extra = beyond its packed shape.
class SimpleSpeedModel : public SpeedModel {
 public:
  explicit SimpleSpeedModel(const Fleet& f) : fleet(f) {}
  const Fleet& fleet;
  double node_penalty = 0.1;
  double pod_penalty = 0.2;
  std::vector<double> pool_speed;  ///< per pool (default 1)
  double checkpoint_seconds = 0;
  double busy_w = 400;
  double run_s(const Job& job, uint32_t ref_pool, const Shape& shape) override;
  double checkpoint_s(const Job&, const Shape&) override { return checkpoint_seconds; }
  double busy_w_per_npu(uint32_t) override { return busy_w; }
};

}  // namespace npusim::sched
