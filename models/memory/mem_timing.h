#pragma once
// Timing side-band of npusim's TLM-2.0 transactions.
//
// npusim's memory transactions are timing-only: a generic payload carries command, address
// and length, and no data pointer. b_transport's delay keeps its loosely-timed meaning
// (offset from sc_time_stamp() at which the request starts / the response completes); this
// extension additionally returns when the request cleared its slowest resource, which is
// when the issuing DMA engine may present its next request (back-pressure). Every component
// reports that time as seen from its own input: it subtracts the fixed latency it added on
// the way in, so a request's wire latency overlaps the next request's issue and only real
// congestion holds the engine.

#include <tlm>

namespace npusim {

struct MemTiming : tlm::tlm_extension<MemTiming> {
  double served_ps = 0;  ///< when the bottleneck took the request, as seen at this input
  uint32_t source_node = 0;  ///< on-chip network node of the issuing core (set by the NoC)
  uint32_t hit_lines = 0;
  uint32_t miss_lines = 0;

  tlm::tlm_extension_base* clone() const override { return new MemTiming(*this); }
  void copy_from(const tlm::tlm_extension_base& other) override {
    *this = static_cast<const MemTiming&>(other);
  }
};

}  // namespace npusim
