// WriteHealth: a failure episode is reported once when it begins and once when it ends.
#include "store/write_health.h"

#include <catch2/catch.hpp>

using namespace vmfabric;

TEST_CASE("a failure episode is reported when it begins and when it ends, once each",
          "[store][health]") {
  WriteHealth health;
  CHECK(health.state().writable);
  CHECK_FALSE(health.succeeded(1'000));  // no episode to end

  CHECK(health.failed(2'000, "db: database or disk is full", true));
  for (int retry = 0; retry < 5; ++retry) CHECK_FALSE(health.failed(2'500 + retry, "again", true));
  CHECK_FALSE(health.state().writable);
  CHECK(health.state().disk_full);
  CHECK(health.state().failing_since_ms == 2'000);
  CHECK(health.state().error == "again");
  CHECK(health.state().write_errors == 6);

  const auto ended = health.succeeded(9'000);
  REQUIRE(ended);
  CHECK(ended->failed_writes == 6);
  CHECK(ended->failing_ms == 7'000);
  CHECK(health.state().writable);
  CHECK_FALSE(health.state().disk_full);
  CHECK(health.state().error.empty());
  CHECK_FALSE(health.succeeded(9'500));

  // The next episode counts its own failures; the total goes on.
  CHECK(health.failed(10'000, "db: disk I/O error", false));
  CHECK_FALSE(health.state().disk_full);
  CHECK(health.succeeded(10'100)->failed_writes == 1);
  CHECK(health.state().write_errors == 7);
}
