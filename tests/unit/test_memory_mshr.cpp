// L2 MSHR pool: a miss waits for a free entry only when every entry is held.
#include <catch2/catch.hpp>

#include "models/memory/mshr_pool.h"

using namespace npusim;

TEST_CASE("misses proceed while entries are free and wait for the first release when all are held") {
  MshrPool pool(2);
  CHECK(pool.earliest_free(10) == 10);
  pool.book(10, 100);
  CHECK(pool.earliest_free(20) == 20);
  pool.book(20, 80);
  CHECK(pool.earliest_free(30) == 80);  // both held: wait for the earlier release
  pool.book(80, 150);
  CHECK(pool.earliest_free(90) == 100);
  CHECK(pool.earliest_free(200) == 200);  // all released by then
}

TEST_CASE("reset frees every entry") {
  MshrPool pool(1);
  pool.book(0, 50);
  CHECK(pool.earliest_free(10) == 50);
  pool.reset();
  CHECK(pool.earliest_free(10) == 10);
}
