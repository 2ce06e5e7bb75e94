// Fuzz target of the Chakra reader (sim/workload/chakra.h). LLVMFuzzerTestOneInput is the
// libFuzzer entry point (build this file with -fsanitize=fuzzer -DNPUSIM_LIBFUZZER to use it
// with libFuzzer); without libFuzzer, main() is a small deterministic mutation driver that
// CTest runs: seeded, a bounded number of iterations, mutating the real feeder trace and
// files from npusim's own writer. Any input must end in success or an InputError — never a
// crash, another exception or a sanitizer report.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "sim/base/error.h"
#include "sim/cluster/network_graph.h"
#include "sim/cluster/replay_engine.h"
#include "sim/workload/chakra.h"

namespace {
uint64_t parsed = 0;  ///< inputs the reader accepted (the driver reports it)
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  npusim::ReplayGraph graph;
  npusim::ChakraStats stats;
  try {
    npusim::parse_chakra_rank(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.0.et",
                              0, graph, stats);
  } catch (const npusim::InputError&) {
    return 0;  // bad input is expected; it must be reported, not crash
  }
  ++parsed;
  // Whatever parses must replay or be rejected cleanly (small graphs only: bounded time).
  if (graph.npus > 64 || graph.node_count() > 20'000) return 0;
  try {
    const npusim::NetworkGraph net = npusim::build_ideal_network(graph.npus, 8);
    npusim::ReplayOptions options;
    (void)npusim::run_replay(graph, net, options);
  } catch (const npusim::InputError&) {
  }
  return 0;
}

#ifndef NPUSIM_LIBFUZZER
// libsystemc's own main() refers to sc_main; this driver brings its own main(), so this
// definition only satisfies the linker and is never called.
extern "C" int sc_main(int /*argc*/, char* /*argv*/[]) { return 3; }

namespace {

/// Seed files from npusim's writer: compute chains, a collective, a send and a receive.
std::vector<std::string> writer_seeds() {
  using namespace npusim;
  ReplayGraph g;
  g.npus = 2;
  const uint32_t group = g.group_index({0, 1});
  for (uint32_t npu = 0; npu < 2; ++npu) {
    ReplayRank r;
    r.npu = npu;
    r.streams = {{"compute", false}, {"comm", false}};
    for (uint32_t i = 0; i < 6; ++i) {
      ReplayNode n;
      n.id = 10 + i;
      n.label = g.label_index("node " + std::to_string(i));
      n.kind = i == 2 ? ReplayKind::collective : i == 4 ? (npu == 0 ? ReplayKind::send : ReplayKind::recv)
                                                         : ReplayKind::compute;
      n.stream = n.kind == ReplayKind::recv ? kNoReplayStream : (i == 2 ? 1 : 0);
      n.duration_ps = 1'000'000 * (i + 1);
      n.bytes = 4096;
      n.group = group;
      n.peer = 1 - npu;
      n.flops = 1e6;
      if (i > 0) n.deps.push_back(i - 1);
      r.nodes.push_back(n);
    }
    g.ranks.push_back(std::move(r));
  }
  return {chakra_rank_bytes(g, 0), chakra_rank_bytes(g, 1)};
}

void mutate(std::string& s, std::mt19937_64& rng) {
  auto pick = [&rng](size_t n) { return n == 0 ? size_t{0} : static_cast<size_t>(rng() % n); };
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits; ++e) {
    switch (rng() % 7) {
      case 0:  // flip bits of one byte
        if (!s.empty()) s[pick(s.size())] = static_cast<char>(s[pick(s.size())] ^ static_cast<char>(1 + rng() % 255));
        break;
      case 1:  // random byte
        if (!s.empty()) s[pick(s.size())] = static_cast<char>(rng());
        break;
      case 2:  // truncate
        s.resize(pick(s.size() + 1));
        break;
      case 3: {  // insert random bytes
        std::string ins(1 + pick(8), '\0');
        for (char& c : ins) c = static_cast<char>(rng());
        s.insert(pick(s.size() + 1), ins);
        break;
      }
      case 4: {  // erase a range
        const size_t at = pick(s.size() + 1);
        s.erase(at, pick(16) + 1);
        break;
      }
      case 5: {  // duplicate a chunk
        if (s.empty()) break;
        const size_t at = pick(s.size());
        s.insert(pick(s.size() + 1), s.substr(at, 1 + pick(64)));
        break;
      }
      case 6:  // a huge or malformed varint
        s.insert(pick(s.size() + 1), std::string("\xff\xff\xff\xff\x7f", 5));
        break;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t iterations = 2000, seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    if (key == "--iterations") iterations = std::strtoull(argv[i + 1], nullptr, 10);
    else if (key == "--seed") seed = std::strtoull(argv[i + 1], nullptr, 10);
  }
  std::vector<std::string> seeds = writer_seeds();
#ifdef NPUSIM_CHAKRA_FEEDER_TRACE
  {
    std::ifstream in(NPUSIM_CHAKRA_FEEDER_TRACE, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    const std::string trace = text.str();
    if (trace.empty()) {
      std::fprintf(stderr, "fuzz: cannot read %s\n", NPUSIM_CHAKRA_FEEDER_TRACE);
      return 1;
    }
    // Whole trace once, then windows of whole messages: the metadata and 30 nodes from the
    // start, the middle and the end (later windows miss some dependencies: an error path).
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(trace.data()), trace.size());
    std::vector<size_t> starts;  // byte offset of every message
    for (size_t pos = 0; pos < trace.size();) {
      starts.push_back(pos);
      uint64_t length = 0;
      for (int shift = 0; pos < trace.size(); shift += 7) {
        const auto b = static_cast<uint8_t>(trace[pos++]);
        length |= uint64_t{b & 0x7fu} << shift;
        if (!(b & 0x80)) break;
      }
      pos += length;
    }
    starts.push_back(trace.size());
    const std::string meta = trace.substr(0, starts[1]);
    for (size_t first : {size_t{1}, starts.size() / 3, starts.size() / 2, starts.size() - 32})
      if (first + 31 < starts.size())
        seeds.push_back(meta + trace.substr(starts[first], starts[first + 30] - starts[first]));
  }
#endif
  std::mt19937_64 rng(seed);
  for (uint64_t i = 0; i < iterations; ++i) {
    std::string input = seeds[i % seeds.size()];
    mutate(input, rng);
    try {
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "fuzz: iteration %llu: unexpected exception: %s\n",
                   static_cast<unsigned long long>(i), e.what());
      return 1;
    }
  }
  std::printf("fuzz_chakra_reader: %llu iterations over %zu seeds, seed %llu, %llu inputs parsed "
              "completely, no crash\n",
              static_cast<unsigned long long>(iterations), seeds.size(),
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(parsed));
  return 0;
}
#endif
