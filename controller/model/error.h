// The base of every error vmfabric raises. Each layer derives its own kind so callers can tell
// a bad input (config, VLAN list, database) from a bug; the message always names what failed.
#pragma once

#include <stdexcept>
#include <string>

namespace vmfabric {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace vmfabric
