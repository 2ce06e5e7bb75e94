#include <catch2/catch.hpp>

#include "sim/base/text.h"
#include "sim/base/types.h"

using namespace npusim;

TEST_CASE("did_you_mean suggests a close key and nothing for a distant one") {
  const std::vector<std::string> keys = {"latency_cycles", "min_issue_cycles", "tile_m"};
  CHECK(did_you_mean("latncy_cycles", keys) == " (did you mean 'latency_cycles'?)");
  CHECK(did_you_mean("bandwidth", keys).empty());
}

TEST_CASE("parse_u64 takes decimal and hex and rejects junk") {
  CHECK(parse_u64("42") == 42u);
  CHECK(parse_u64("0x1000") == 4096u);
  CHECK_FALSE(parse_u64("-1").has_value());
  CHECK_FALSE(parse_u64("12k").has_value());
  CHECK_FALSE(parse_u64("").has_value());
  CHECK_FALSE(parse_u64("99999999999999999999999").has_value());
}

TEST_CASE("dtype sizes and accumulators") {
  CHECK(dtype_bytes(DType::fp16, 3) == 6);
  CHECK(dtype_bytes(DType::int4, 3) == 2);
  CHECK(accumulator_dtype(DType::bf16) == DType::fp32);
  CHECK(accumulator_dtype(DType::int8) == DType::int32);
}

TEST_CASE("pipe names accept Ascend C short forms") {
  CHECK(parse_pipe("M") == Pipe::CUBE);
  CHECK(parse_pipe("V") == Pipe::VECTOR);
  CHECK(parse_pipe("FIXP") == Pipe::FIXP);
  CHECK_FALSE(parse_pipe("CUBEX").has_value());
}
