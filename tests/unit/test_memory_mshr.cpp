// L2 MSHR pool: a miss waits for a free entry only when every entry is held.
#include <catch2/catch.hpp>

#include "models/memory/mshr_pool.h"

using namespace npusim;

TEST_CASE("misses proceed while entries are free and wait for the first release when all are held") {
  MshrPool pool(2);
  CHECK(pool.acquire(10) == 10);
  pool.release(100);
  CHECK(pool.acquire(20) == 20);
  pool.release(80);
  CHECK(pool.acquire(30) == 80);  // both held: wait for the earlier release
  pool.release(150);
  CHECK(pool.acquire(90) == 100);
  pool.release(120);
  CHECK(pool.acquire(200) == 200);  // all released by then
  pool.release(210);
}

TEST_CASE("reset frees every entry") {
  MshrPool pool(1);
  (void)pool.acquire(0);
  pool.release(50);
  CHECK(pool.acquire(10) == 50);
  pool.release(60);
  pool.reset();
  CHECK(pool.acquire(10) == 10);
}
