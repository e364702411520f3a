// What vmfabric changes on one switch in one batch (a ChangeSet) and its rendering as the EOS
// commands of one configuration session: `configure session NAME`, the changes, `commit`.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "model/error.h"
#include "model/ids.h"
#include "model/vlan_set.h"

namespace vmfabric::southbound {

// A ChangeSet that cannot be rendered: a VLAN both created and deleted, a VLAN both added to and
// removed from one interface, a bad session or interface name.
class ChangeSetError : public Error {
 public:
  using Error::Error;
};

struct InterfaceVlanChange {
  VlanSet add;
  VlanSet remove;
  bool operator==(const InterfaceVlanChange&) const = default;
};

// The changes to one switch. Interfaces are EOS names ("Ethernet5", "Port-Channel10").
struct ChangeSet {
  std::map<VlanId, std::string> create_vlans;  // VLAN -> name ("" keeps EOS's default name)
  VlanSet delete_vlans;
  std::map<InterfaceName, InterfaceVlanChange> interfaces;

  bool empty() const;
  bool operator==(const ChangeSet&) const = default;
};

// `name` made valid as an EOS VLAN name: at most 32 characters, each space, control character,
// '?' or non-ASCII byte replaced by '_'.
std::string eos_vlan_name(std::string_view name);

// The commands of one configuration session applying `changes`, in this order: `configure
// session NAME`; each created VLAN ascending (`vlan N`, `name X`); per interface, ascending by
// name, `interface X` then `switchport trunk allowed vlan add ...` and `... remove ...` with
// compressed ranges; `no vlan ...` for deleted VLANs; `commit`. Nothing for an empty ChangeSet.
// Throws ChangeSetError for a contradictory ChangeSet or a bad session or interface name.
std::vector<std::string> render(const ChangeSet& changes, std::string_view session_name);

// The commands that discard session `session_name` uncommitted: `configure session NAME`,
// `abort`.
std::vector<std::string> render_abort(std::string_view session_name);

}  // namespace vmfabric::southbound
