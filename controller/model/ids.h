// Strong identity types for everything in the topology graph. Identities are stable per source:
// a vSphere object is (vCenter, managed object id), so the same VM name in two vCenters is two
// VMs; a switch object is (switch name from the config, EOS name).
#pragma once

#include <compare>
#include <string>
#include <string_view>
#include <utility>

namespace vmfabric {

// A name of one kind: comparing a SwitchId with a VCenterId does not compile.
template <class Tag>
class Name {
 public:
  Name() = default;
  explicit Name(std::string value) : value_(std::move(value)) {}
  const std::string& str() const { return value_; }
  auto operator<=>(const Name&) const = default;

 private:
  std::string value_;
};

// The one copy of `text` this process keeps, for as long as it runs (thread-safe).
const std::string& intern(std::string_view text);

// A name of one kind whose few values repeat in very many entities: every VM, vNIC and host
// names its vCenter. Each value is kept once (`intern`), so a copy costs a pointer, not a string.
// Interned text is never freed: only for names from the configuration, the database and the
// vCenters an admin adds through the API (a few per vCenter ever followed), never for lookups.
template <class Tag>
class InternedName {
 public:
  InternedName() : value_(&intern({})) {}
  explicit InternedName(std::string_view value) : value_(&intern(value)) {}
  const std::string& str() const { return *value_; }
  // One value, one pointer: equality compares pointers; order compares the text.
  bool operator==(const InternedName& other) const { return value_ == other.value_; }
  std::strong_ordering operator<=>(const InternedName& other) const {
    return value_ == other.value_ ? std::strong_ordering::equal : *value_ <=> *other.value_;
  }

 private:
  const std::string* value_;
};

using VCenterId = InternedName<struct VCenterTag>;
using SwitchId = Name<struct SwitchTag>;
using InterfaceName = Name<struct InterfaceNameTag>;  // EOS name: "Ethernet1", "Port-Channel10"

// A vSphere managed object within one vCenter (moref "host-21", "vm-57", "dvportgroup-13").
template <class Tag>
struct MoRef {
  VCenterId vcenter;
  std::string moref;
  auto operator<=>(const MoRef&) const = default;
};

using ClusterId = MoRef<struct ClusterTag>;
using HostId = MoRef<struct HostTag>;
using VmId = MoRef<struct VmTag>;
using DvsId = MoRef<struct DvsTag>;
using DvPortgroupId = MoRef<struct DvPortgroupTag>;

// Something named within one ESX host (a pnic "vmnic0", a vSwitch, a portgroup, a vmknic).
template <class Tag>
struct OnHost {
  HostId host;
  std::string name;
  auto operator<=>(const OnHost&) const = default;
};

using PnicId = OnHost<struct PnicTag>;
using VSwitchId = OnHost<struct VSwitchTag>;
using StandardPortgroupId = OnHost<struct StandardPortgroupTag>;
using VmkNicId = OnHost<struct VmkNicTag>;

// A virtual NIC: the VM and the device key vSphere gives it (4000, 4001, ...).
struct VmNicId {
  VmId vm;
  int key = 0;
  auto operator<=>(const VmNicId&) const = default;
};

// Something named on one switch.
template <class Tag>
struct OnSwitch {
  SwitchId sw;
  InterfaceName name;
  auto operator<=>(const OnSwitch&) const = default;
};

using InterfaceId = OnSwitch<struct InterfaceTag>;
using PortChannelId = OnSwitch<struct PortChannelTag>;

// An MLAG pair, named by its two peers in ascending order (see `MlagId::of`).
struct MlagId {
  SwitchId first;
  SwitchId second;
  static MlagId of(SwitchId a, SwitchId b) {
    return a < b ? MlagId{std::move(a), std::move(b)} : MlagId{std::move(b), std::move(a)};
  }
  auto operator<=>(const MlagId&) const = default;
};

// A cable between two switch interfaces, ends in ascending order (see `LinkId::of`).
struct LinkId {
  InterfaceId a;
  InterfaceId b;
  static LinkId of(InterfaceId x, InterfaceId y) {
    return x < y ? LinkId{std::move(x), std::move(y)} : LinkId{std::move(y), std::move(x)};
  }
  auto operator<=>(const LinkId&) const = default;
};

}  // namespace vmfabric
