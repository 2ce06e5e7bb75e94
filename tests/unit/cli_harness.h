#pragma once
// Running the real npusim executable from a test: its combined output and exit status, temp
// files, and the check every bad-input path must pass (exit 2 and exactly one line).
// Only for test files that link npusim_cli (they get NPUSIM_BINARY from tests/CMakeLists.txt).

#include <catch2/catch.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace npusim::test {

struct Outcome {
  int status = -1;
  std::string out;  ///< stdout and stderr together
};

/// Runs `npusim ARGS` through the shell (so ARGS may quote).
inline Outcome run_npusim(const std::string& args) {
  const std::string command = std::string(NPUSIM_BINARY) + " " + args + " 2>&1";
  Outcome o;
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) o.out.append(buf.data(), n);
  const int raw = pclose(pipe);
  o.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128;
  return o;
}

/// A path in this process's own temporary folder.
inline std::filesystem::path temp_path(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("npusim-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  return dir / name;
}

/// temp_path(name), holding `text`.
inline std::filesystem::path temp_file(const std::string& name, const std::string& text) {
  const auto p = temp_path(name);
  std::ofstream(p) << text;
  return p;
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), {}};
}

/// Bad input: exit status 2 and exactly one line of output, which contains `part` (or, with
/// `at_start`, starts with it — for `path:line:` prefixes).
inline void expect_bad_input(const std::string& args, const std::string& part, bool at_start = true) {
  const Outcome o = run_npusim(args);
  INFO("npusim " << args << "\n" << o.out);
  CHECK(o.status == 2);
  CHECK((at_start ? o.out.rfind(part, 0) == 0 : o.out.find(part) != std::string::npos));
  CHECK(std::count(o.out.begin(), o.out.end(), '\n') == 1);
}

}  // namespace npusim::test
