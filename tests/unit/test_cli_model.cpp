// `npusim model` end to end: list, show with derived counts, --set, help texts, and exit
// status 2 with one line for bad input.
#include <catch2/catch.hpp>

#include <string>

#include "tests/unit/cli_harness.h"

using namespace npusim::test;

TEST_CASE("model help texts explain themselves with an example") {
  for (const char* cmd : {"model", "model list", "model show"}) {
    const Outcome o = run_npusim(std::string(cmd) + " --help");
    INFO(cmd << "\n" << o.out);
    CHECK(o.status == 0);
    CHECK(o.out.find("Example") != std::string::npos);
  }
}

TEST_CASE("model list names every preset with its size") {
  const Outcome o = run_npusim("model list");
  INFO(o.out);
  REQUIRE(o.status == 0);
  for (const char* name : {"bert-large", "deepseek-v3-like", "gpt3-175b", "llama2-70b",
                           "llama2-7b", "pangu-alpha-200b", "pangu-ultra-135b-like", "resnet50"})
    CHECK(o.out.find(name) != std::string::npos);
  CHECK(o.out.find("invalid") == std::string::npos);
  CHECK(o.out.find("6.74 B") != std::string::npos);
}

TEST_CASE("model show prints the resolved yaml and the derived counts") {
  const Outcome o = run_npusim("model show llama2-7b");
  INFO(o.out);
  REQUIRE(o.status == 0);
  CHECK(o.out.find("hidden: 4096") != std::string::npos);
  CHECK(o.out.find("llama2-7b.yaml:") != std::string::npos);
  CHECK(o.out.find("params_total") != std::string::npos);
  CHECK(o.out.find("forward_flops_per_token") != std::string::npos);
  CHECK(o.out.find("training_flops_full_recompute_per_token") != std::string::npos);
}

TEST_CASE("model show applies set overrides") {
  const Outcome o = run_npusim("model show llama2-7b --set model.layers=4");
  INFO(o.out);
  REQUIRE(o.status == 0);
  CHECK(o.out.find("--set model.layers=4") != std::string::npos);
  CHECK(o.out.find("layers: 4 ") != std::string::npos);
}

TEST_CASE("model show lists the generated resnet50 operators") {
  const Outcome o = run_npusim("model show resnet50");
  INFO(o.out);
  REQUIRE(o.status == 0);
  CHECK(o.out.find("layer4.2.conv3") != std::string::npos);
  CHECK(o.out.find("forward_macs_per_sample") != std::string::npos);
}

TEST_CASE("model bad input exits 2 with one line") {
  expect_bad_input("model show llama2-7", "did you mean 'llama2-7b'", false);
  expect_bad_input("model show llama2-7b --set model.layrs=4", "did you mean 'layers'", false);
  expect_bad_input("model show llama2-7b --set heads=33", "does not divide hidden", false);
  expect_bad_input("model show /nonexistent/x.yaml", "no such file", false);
}
