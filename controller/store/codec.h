// How the store writes entities: each as JSON text in its table's `data` column, keyed by the
// canonical text of its id (a JSON array such as ["vc1","host-21","vmnic0"]). Internal to store.
#pragma once

#include <string>
#include <string_view>

#include "model/model.h"

namespace vmfabric::codec {

std::string encode(const Entity& entity);
// Throws std::exception (nlohmann::json's, or VlanSetError) when `text` is not a valid `kind`.
Entity decode(EntityKind kind, std::string_view text);
std::string key_text(const EntityKey& key);

}  // namespace vmfabric::codec
