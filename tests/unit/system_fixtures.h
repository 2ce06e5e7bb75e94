#pragma once
// Helpers shared by the tests/unit/test_system_*.cpp files: temporary system YAML files and
// running a SystemC system in a child process (SystemC elaborates once per process, so a
// test that compares two systems builds each in its own fork; every test builds its
// systems this way, so the test binary also runs as a whole, outside CTest).

#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

namespace npusim::testing {

/// A fresh folder under the system temp dir, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "npusim_test_system_XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) FAIL("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  /// Writes `text` to <dir>/<name> and returns the path.
  [[nodiscard]] std::string write(const std::string& name, const std::string& text) const {
    const auto p = path_ / name;
    std::ofstream(p) << text;
    return p.string();
  }

 private:
  std::filesystem::path path_;
};

/// Runs `f` in a forked child and returns the numbers it produced. A child that throws or
/// dies yields an empty vector (and prints what it threw to stderr).
inline std::vector<double> in_child(const std::function<std::vector<double>()>& f) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    std::vector<double> values;
    try {
      values = f();
    } catch (const std::exception& e) {
      fprintf(stderr, "child: %s\n", e.what());
      _exit(1);
    }
    const uint64_t n = values.size();
    if (write(fds[1], &n, sizeof n) != sizeof n) _exit(1);
    for (double v : values)
      if (write(fds[1], &v, sizeof v) != sizeof v) _exit(1);
    _exit(0);
  }
  close(fds[1]);
  std::vector<double> values;
  uint64_t n = 0;
  if (read(fds[0], &n, sizeof n) == sizeof n) {
    values.resize(n);
    for (double& v : values)
      if (read(fds[0], &v, sizeof v) != sizeof v) values.clear();
  }
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) values.clear();
  return values;
}

/// A two-NPU system with one link each way, numbers chosen so the formulas are easy to
/// follow: 4 lanes x 25 Gb/s with 64b/66b = 12.12 GB/s of data; 272-byte flits with a
/// 16-byte header (256 payload bytes), so a 4096-byte packet is 16 flits, 4352 wire bytes.
inline std::string tiny_system_yaml(const std::string& name, uint32_t npus, uint32_t buffer_flits,
                                    double credit_return_ns, uint32_t engines = 4) {
  return "name: " + name + "\n" +
         "description: \"test system\"\n"
         "chip: ascend910b\n"
         "npus: " +
         std::to_string(npus) + "\n" + "dma: {engines: " + std::to_string(engines) +
         ", bytes_per_cycle: 1000, setup_ns: 0, packet_bytes: 4096, window_packets: 4}\n"
         "collective: {chunk_kib: 1024}\n"
         "link_types:\n"
         "  l:\n"
         "    kind: hccs\n"
         "    lanes: 4\n"
         "    lane_gbps: 25\n"
         "    encoding: 64b/66b\n"
         "    flit_bytes: 272\n"
         "    flit_header_bytes: 16\n"
         "    buffer_flits: " +
         std::to_string(buffer_flits) + "\n" +
         "    credit_return_ns: " + std::to_string(credit_return_ns) + "\n" +
         "    serdes_ns: 40\n"
         "    wire_ns: 10\n"
         "topology: {kind: full_mesh, mesh_link: l, mesh_links_per_peer: 1}\n";
}

}  // namespace npusim::testing
