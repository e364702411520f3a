#include "southbound/change_set.h"

#include <algorithm>

namespace vmfabric::southbound {
namespace {

constexpr std::size_t kMaxVlanName = 32;

// A single CLI token: non-empty, printable ASCII without spaces or '?' (which asks for help).
bool is_token(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return c > ' ' && c < 0x7f && c != '?'; });
}

std::string session_command(std::string_view session_name) {
  if (!is_token(session_name)) {
    throw ChangeSetError("configuration session name \"" + std::string(session_name) +
                         "\": expected printable characters without spaces");
  }
  return "configure session " + std::string(session_name);
}

}  // namespace

bool ChangeSet::empty() const {
  return create_vlans.empty() && delete_vlans.empty() &&
         std::all_of(interfaces.begin(), interfaces.end(), [](const auto& entry) {
           return entry.second.add.empty() && entry.second.remove.empty();
         });
}

std::string eos_vlan_name(std::string_view name) {
  std::string out(name.substr(0, kMaxVlanName));
  for (char& c : out) {
    if (!is_token(std::string_view(&c, 1))) c = '_';
  }
  return out;
}

std::vector<std::string> render(const ChangeSet& changes, std::string_view session_name) {
  if (changes.empty()) return {};
  std::vector<std::string> out{session_command(session_name)};

  VlanSet created;
  for (const auto& [vlan, name] : changes.create_vlans) {
    created.insert(vlan);
    out.push_back("vlan " + std::to_string(vlan.value));
    if (!name.empty()) out.push_back("name " + eos_vlan_name(name));
  }
  if (const VlanSet both = created & changes.delete_vlans; !both.empty()) {
    throw ChangeSetError("change set: VLANs " + both.to_range_list() +
                         " are both created and deleted");
  }

  for (const auto& [name, change] : changes.interfaces) {
    if (change.add.empty() && change.remove.empty()) continue;
    if (!is_token(name.str())) {
      throw ChangeSetError("change set: interface name \"" + name.str() + "\" is not valid");
    }
    if (const VlanSet both = change.add & change.remove; !both.empty()) {
      throw ChangeSetError("change set: " + name.str() + ": VLANs " + both.to_range_list() +
                           " are both added and removed");
    }
    out.push_back("interface " + name.str());
    if (!change.add.empty()) {
      out.push_back("switchport trunk allowed vlan add " + change.add.to_range_list());
    }
    if (!change.remove.empty()) {
      out.push_back("switchport trunk allowed vlan remove " + change.remove.to_range_list());
    }
  }

  if (!changes.delete_vlans.empty())
    out.push_back("no vlan " + changes.delete_vlans.to_range_list());
  out.push_back("commit");
  return out;
}

std::vector<std::string> render_abort(std::string_view session_name) {
  return {session_command(session_name), "abort"};
}

}  // namespace vmfabric::southbound
