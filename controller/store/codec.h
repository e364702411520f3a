// How the store writes entities: each as JSON text in its table's `data` column, keyed by the
// canonical text of its id (a JSON array such as ["vc1","host-21","vmnic0"]). Internal to store.
#pragma once

#include <string>
#include <string_view>

#include "model/finding.h"
#include "model/model.h"

namespace vmfabric::codec {

std::string encode(const Entity& entity);
// Throws std::exception (nlohmann::json's, or VlanSetError) when `text` is not a valid `kind`.
Entity decode(EntityKind kind, std::string_view text);
std::string key_text(const EntityKey& key);

// An audit finding's latest vmfabric change, as a JSON object {"added", "at_ms", "session"}.
std::string encode(const audit::LastChange& change);
// Throws std::exception when `text` is not such an object.
audit::LastChange decode_last_change(std::string_view text);
// An audit finding's outside change, as a JSON object {"session", "user", "at_ms"}.
std::string encode(const audit::OutsideChange& change);
// Throws std::exception when `text` is not such an object.
audit::OutsideChange decode_outside_change(std::string_view text);

}  // namespace vmfabric::codec
