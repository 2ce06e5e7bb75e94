#include "sim/sched/job_speed.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "sim/base/error.h"
#include "sim/chip/kernel_cost.h"
#include "sim/cluster/reliability.h"
#include "sim/cluster/training_run.h"
#include "sim/config/cluster_loader.h"
#include "sim/config/model_loader.h"

namespace npusim::sched {

Shape packed_shape(const Fleet& fleet, uint32_t pool, uint32_t npus) {
  const Pool& p = fleet.pools.at(pool);
  Shape s;
  s.pool = pool;
  s.npus = std::max<uint32_t>(1, npus);
  s.nodes = (s.npus + p.npus_per_node - 1) / p.npus_per_node;
  s.pods = (s.nodes + p.nodes_per_pod - 1) / p.nodes_per_pod;
  return s;
}

struct ClusterSpeedModel::Impl {
  const Fleet& fleet;
  ClusterSpeedOptions options;
  std::vector<std::unique_ptr<KernelCostCache>> costs;
  std::map<std::string, ModelSpec> models;
  // (pool, model, tp, pp, micro_batch, npus, npus per node, crosses pods) -> step time
  std::map<std::tuple<uint32_t, std::string, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, bool>, double> steps;
  std::map<uint32_t, double> busy_w;

  Impl(const Fleet& f, ClusterSpeedOptions o) : fleet(f), options(o), costs(f.pools.size()) {}

  const ModelSpec& model(const std::string& name) {
    auto it = models.find(name);
    if (it == models.end()) it = models.emplace(name, load_model(name)).first;
    return it->second;
  }

  TrainResult train(const Pool& pool, uint32_t pool_index, const std::string& model_name, uint32_t tp,
                    uint32_t pp, uint32_t micro_batch, uint32_t npus, uint32_t per_node, bool cross) {
    std::vector<std::string> sets;
    if (per_node < pool.npus_per_node) {
      sets.push_back(fmt::format("node.npus={}", per_node));
      if (pool.cluster.scale_out.rails > per_node) sets.push_back(fmt::format("scale_out.rails={}", per_node));
    }
    if (cross) {
      if (pool.cluster.supernode) {
        const uint32_t nodes = (npus + per_node - 1) / per_node;
        uint32_t half = 1;  // nodes per supernode: a power of two, at most half the nodes used
        while (half * 2 <= (nodes + 1) / 2) half *= 2;
        sets.push_back(fmt::format("supernode.npus={}", per_node * half));
      } else if (pool.spine_oversubscription > 1) {
        // The cluster model lays a job's nodes out under one leaf, so a tapered spine would
        // not bite; a ring or tree collective over pods runs at the rate of its slowest
        // hop, so every NIC is slowed by the spine's taper instead (docs/fleet.md).
        sets.push_back(fmt::format("scale_out.nic_gbps_per_npu={}",
                                   pool.cluster.scale_out.nic_gbps_per_npu / pool.spine_oversubscription));
      }
    }
    const ClusterConfig cluster = load_cluster(pool.cluster_name, sets);
    if (!costs[pool_index]) {
      KernelCostOptions o;
      o.simulate = false;  // roofline: one process hosts one SystemC chip (docs/fleet.md)
      costs[pool_index] = std::make_unique<KernelCostCache>(npu_chip(cluster), o);
    }
    TrainOptions t;
    t.par.tp = tp;
    t.par.pp = pp;
    t.par.dp = npus / (tp * pp);
    t.par.micro_batch = micro_batch;
    t.par.global_batch = micro_batch * t.par.dp * pp;
    t.reliability.nodes = 1;
    t.reliability.node_mtbf_hours = 0;
    return simulate_training(model(model_name), cluster, t, *costs[pool_index]);
  }

  double step(uint32_t pool_index, const std::string& model_name, uint32_t tp, uint32_t pp,
              uint32_t micro_batch, const Shape& shape) {
    const Pool& pool = fleet.pools.at(pool_index);
    // NPUs per node used, rounded up to a power of two (so node, supernode and cluster sizes
    // stay divisible) and at least 2 (the system model needs 2 NPUs per node).
    uint32_t per_node = 2;
    while (per_node < (shape.npus + shape.nodes - 1) / shape.nodes) per_node *= 2;
    per_node = std::min(per_node, pool.npus_per_node);
    const bool cross = shape.pods > 1;
    const auto key = std::make_tuple(pool_index, model_name, tp, pp, micro_batch, shape.npus, per_node, cross);
    if (const auto it = steps.find(key); it != steps.end()) return it->second;
    // A node type may not accept so few NPUs (e.g. an A3 node's UB groups): price the spread
    // shape with the fewest NPUs per node it does accept.
    double s = 0;
    for (;;) {
      try {
        s = train(pool, pool_index, model_name, tp, pp, micro_batch, shape.npus, per_node, cross).step_time_s;
        break;
      } catch (const InputError&) {
        if (per_node >= pool.npus_per_node) throw;
        per_node = std::min(pool.npus_per_node, per_node * 2);
      }
    }
    if (per_node < pool.npus_per_node || cross) {  // never faster than packed
      const Shape packed = packed_shape(fleet, pool_index, shape.npus);
      if (packed.nodes != shape.nodes || packed.pods != shape.pods)
        s = std::max(s, step(pool_index, model_name, tp, pp, micro_batch, packed));
    }
    if (!(s > 0) || !std::isfinite(s))
      throw InternalError(fmt::format("cluster level gave step time {} for {} on pool {}", s, model_name, pool.name));
    steps.emplace(key, s);
    return s;
  }
};

ClusterSpeedModel::ClusterSpeedModel(const Fleet& fleet, ClusterSpeedOptions options)
    : impl_(std::make_unique<Impl>(fleet, options)) {}
ClusterSpeedModel::~ClusterSpeedModel() = default;

double ClusterSpeedModel::run_s(const Job& job, uint32_t ref_pool, const Shape& shape) {
  Impl& d = *impl_;
  if (!job.model.empty())
    return static_cast<double>(job.iterations) * d.step(shape.pool, job.model, job.tp, job.pp, job.micro_batch, shape);
  const Fleet& f = d.fleet;
  const uint32_t mb = f.reference_micro_batch;
  const double here = d.step(shape.pool, f.reference_model, 1, 1, mb, shape);
  const double ref = d.step(ref_pool, f.reference_model, 1, 1, mb, packed_shape(f, ref_pool, shape.npus));
  return job.duration_s * here / ref;
}

double ClusterSpeedModel::checkpoint_s(const Job& job, const Shape& shape) {
  if (job.model.empty()) return impl_->options.checkpoint_s;
  const double bytes = static_cast<double>(checkpoint_bytes(impl_->model(job.model)));
  return bytes / (kDefaultCheckpointBytesPerSPerNode * shape.nodes);
}

double ClusterSpeedModel::busy_w_per_npu(uint32_t pool_index) {
  Impl& d = *impl_;
  const Pool& pool = d.fleet.pools.at(pool_index);
  if (pool.busy_w_per_npu) return *pool.busy_w_per_npu;
  if (const auto it = d.busy_w.find(pool_index); it != d.busy_w.end()) return it->second;
  const uint32_t n = std::min<uint32_t>(8, pool.npus_per_node);
  const double w = d.train(pool, pool_index, d.fleet.reference_model, 1, 1, d.fleet.reference_micro_batch, n, n,
                           false).power_per_npu_w;
  d.busy_w.emplace(pool_index, w);
  return w;
}

uint64_t ClusterSpeedModel::cluster_runs() const { return impl_->steps.size(); }

double SimpleSpeedModel::run_s(const Job& job, uint32_t ref_pool, const Shape& shape) {
  const auto speed = [&](uint32_t p) { return p < pool_speed.size() ? pool_speed[p] : 1.0; };
  const double base = job.model.empty() ? job.duration_s : static_cast<double>(job.iterations);
  const Shape packed = packed_shape(fleet, shape.pool, shape.npus);
  const double penalty = 1 + node_penalty * (std::max(shape.nodes, packed.nodes) - packed.nodes) +
                         pod_penalty * (std::max(shape.pods, packed.pods) - packed.pods);
  return base * penalty * speed(ref_pool) / speed(shape.pool);
}

}  // namespace npusim::sched
