#pragma once
// Typed description of a multi-NPU server, loaded from configs/systems/*.yaml (layout and
// keys: docs/interconnect.md). A system names a chip preset (its HBM bandwidth is what the
// DMA engines read from and write to), the NPU count, the DMA engines, the link types and the
// topology that joins the NPUs. Units are in the field names; the loader fills no silent
// defaults.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/config/chip_config.h"

namespace npusim {

/// One kind of point-to-point link, one direction. A connection of `count` parallel links
/// (bonded) is modelled as one link with `count` times the lanes and the receive buffer.
struct LinkTypeConfig {
  std::string name;                ///< key under link_types
  std::string kind;                ///< hccs, sio, pcie, roce, nvlink, infiniband (descriptive)
  uint32_t lanes = 0;              ///< lanes per direction
  double lane_gbps = 0;            ///< signalling rate per lane, Gb/s (1e9 bit/s)
  std::string encoding;            ///< as written, e.g. "128b/130b" or "256b/257b+RS(544,514)"
  double encoding_efficiency = 1;  ///< data bits / line bits, from `encoding`
  uint32_t flit_bytes = 0;         ///< largest flit (packet, frame) on the wire, header included
  uint32_t flit_header_bytes = 0;  ///< per-flit overhead: header, CRC, framing, gaps
  uint32_t buffer_flits = 0;       ///< receiver buffer = credits the sender starts with
  double credit_return_ns = 0;     ///< from "receiver drained a flit" to "sender may reuse it"
  double serdes_ns = 0;            ///< serialiser + deserialiser latency, one way
  double wire_ns = 0;              ///< propagation delay of the channel
  /// Fraction of the wire rate left to payload by the collective library's protocol (flags,
  /// step synchronisation, copy kernels; NCCL on NVLink loses ~20%). 1 = only flit headers.
  double protocol_efficiency = 1;
  /// Pipeline fill of the collective library's ring on this link type (cluster level, rings
  /// inside one node): each ring step also pays the time to move min(this, the step's bytes),
  /// as a chunked pipeline does before it streams (NCCL's mid-size dip). 0 = none.
  uint64_t ring_fill_bytes = 0;

  [[nodiscard]] uint32_t flit_payload_bytes() const { return flit_bytes - flit_header_bytes; }
  /// Data rate after line coding, bytes/s, of `count` bonded links.
  [[nodiscard]] double data_bytes_per_s(uint32_t count = 1) const {
    return double(lanes) * count * lane_gbps * 1e9 * encoding_efficiency / 8;
  }
  /// Payload rate of a long stream of full flits, bytes/s, of `count` bonded links, after
  /// flit headers and the collective protocol's overhead.
  [[nodiscard]] double payload_bytes_per_s(uint32_t count = 1) const {
    return data_bytes_per_s(count) * protocol_efficiency * flit_payload_bytes() / flit_bytes;
  }
  /// Bytes on the wire for `payload` bytes: each started flit adds its header (a last,
  /// partial flit is shortened, as PCIe TLPs and Ethernet frames are).
  [[nodiscard]] uint64_t wire_bytes(uint64_t payload) const {
    const uint64_t flits = (payload + flit_payload_bytes() - 1) / flit_payload_bytes();
    return payload + flits * flit_header_bytes;
  }
  [[nodiscard]] uint64_t flits(uint64_t payload) const {
    return (payload + flit_payload_bytes() - 1) / flit_payload_bytes();
  }
  [[nodiscard]] double latency_ns() const { return serdes_ns + wire_ns; }
};

/// The NPU's collective DMA engines (SDMA on Ascend, copy engines on GPUs).
struct DmaConfig {
  uint32_t engines = 0;         ///< per NPU; each runs one transfer at a time
  double bytes_per_cycle = 0;   ///< per engine, at the chip clock
  double setup_ns = 0;          ///< per transfer: descriptor fetch and doorbell
  uint32_t packet_bytes = 0;    ///< simulation granularity: payload of one simulated packet
  uint32_t window_packets = 0;  ///< packets an engine may have queued at a link before it stalls
};

/// A switch (NVSwitch, host bridge) joining NPUs: one connection of `links` bonded links of
/// type `link` per NPU and direction.
struct SwitchConfig {
  std::string link;
  uint32_t links_per_npu = 0;
  double latency_ns = 0;  ///< ingress to egress, after a packet has fully arrived
};

/// How the NPUs are joined. Which fields apply depends on `kind` (docs/interconnect.md):
///  full_mesh:   mesh_link, mesh_links_per_peer
///  mesh_groups: group_size, mesh_link, mesh_links_per_peer, bridge (a switch between groups)
///  switch:      bridge (the one switch every NPU hangs off)
struct TopologyConfig {
  std::string kind;
  uint32_t group_size = 0;
  std::string mesh_link;
  uint32_t mesh_links_per_peer = 0;
  SwitchConfig bridge;
};

/// Scale-out NIC ports (described and validated; the intra-server collectives do not use them).
struct NicConfig {
  std::string link;
  uint32_t ports_per_npu = 0;
};

struct SystemConfig {
  std::string name;  ///< preset name (file stem)
  std::string description;
  std::string source_path;             ///< file it was loaded from
  std::vector<std::string> overrides;  ///< the --set strings applied
  std::string chip_name;               ///< chip preset or path as written
  ChipConfig chip;                     ///< the loaded chip
  uint32_t npus = 0;
  /// NPUs per chip package: 1, or the chip's die count when each die is its own NPU (910C).
  uint32_t npus_per_chip = 1;
  DmaConfig dma;
  uint64_t chunk_bytes = 0;  ///< default pipelining chunk of a collective
  std::map<std::string, LinkTypeConfig> link_types;
  TopologyConfig topology;
  bool has_nic = false;
  NicConfig nic;

  /// HBM pin bandwidth of one NPU, bytes/s (the model runs it at the sustained fraction of
  /// models/memory/hbm_sustained_rate.h).
  [[nodiscard]] double npu_peak_hbm_bytes_per_s() const {
    return chip.peak_hbm_bytes_per_s() / npus_per_chip;
  }
  /// One DMA engine's rate, bytes/s.
  [[nodiscard]] double dma_bytes_per_s() const { return dma.bytes_per_cycle * chip.clock_mhz() * 1e6; }
  [[nodiscard]] const LinkTypeConfig& link(const std::string& type) const {
    return link_types.at(type);
  }
};

/// Parses a line-coding description into data bits per line bit: "128b/130b", "64b/66b",
/// "256b/257b+RS(544,514)" (terms multiply; RS(n,k), a Reed-Solomon FEC, gives k/n), or
/// "none". nullopt if malformed or not in (0, 1].
[[nodiscard]] std::optional<double> parse_encoding(const std::string& text);

/// "28.80 GB/s"-style rate text (1e9 bytes/s).
[[nodiscard]] std::string format_gbps(double bytes_per_s);

}  // namespace npusim
