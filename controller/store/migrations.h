// The schema migrations compiled into vmfabricd from schema/NNN_name.sql (see
// cmake/embed_migrations.cmake), ascending, numbered from 1 without gaps.
#pragma once

#include <vector>

namespace vmfabric {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

const std::vector<Migration>& migrations();

}  // namespace vmfabric
