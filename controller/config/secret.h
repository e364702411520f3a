// Secret: a credential's value in memory. It has no stream operator and no implicit conversion,
// so it cannot be logged or formatted by accident; `reveal()` is greppable at every use.
#pragma once

#include <string>
#include <utility>

namespace vmfabric {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  Secret(const Secret&) = default;
  Secret& operator=(const Secret&) = default;
  ~Secret() { value_.assign(value_.size(), '\0'); }

  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }

 private:
  std::string value_;
};

}  // namespace vmfabric
