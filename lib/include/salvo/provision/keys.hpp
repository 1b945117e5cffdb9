#pragma once
// The exactly-once identity of an entry: the salvo-batch and salvo-key tags every created
// instance carries, so a run can find on the platform what an earlier run already created.

#include <string>
#include <string_view>
#include <vector>

#include "salvo/provision/manifest.hpp"

namespace salvo::provision {

inline constexpr std::string_view batch_tag_prefix = "salvo-batch:";
inline constexpr std::string_view key_tag_prefix = "salvo-key:";

// First 16 hex digits (lower case) of SHA-256(element_key + '\0' + entry_key).
std::string entry_hash(std::string_view element_key, std::string_view entry_key);

// entry_hash(e.element, e.key) (e.key is already the key, else the name).
std::string entry_hash(const entry& e);

std::string batch_tag(std::string_view batch);  // "salvo-batch:<batch>"
std::string key_tag(std::string_view hash);     // "salvo-key:<hash>"

// True when `tag` starts with a prefix salvo reserves for itself.
bool is_reserved_tag(std::string_view tag) noexcept;

// The tags to create `e` with: the user's, then batch_tag(batch), then key_tag(entry_hash(e)).
std::vector<std::string> tags_for(const entry& e, std::string_view batch);

}  // namespace salvo::provision
