#include "salvo/provision/plan.hpp"

#include <algorithm>
#include <charconv>

#include "salvo/provision/keys.hpp"

namespace salvo::provision {

namespace {

// A decimal number made of digits only (no sign, no spaces, no "0x").
std::optional<std::size_t> parse_count(std::string_view text) {
    if (text.empty() ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    std::size_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

}  // namespace

std::optional<shard> parse_shard(std::string_view text, std::string& error) {
    const std::string quoted = "--shard " + std::string(text) + ": ";
    const std::size_t slash = text.find('/');
    if (slash == std::string_view::npos) {
        error = quoted + "expected K/N, e.g. 0/4 (shard K of N, K counting from 0)";
        return std::nullopt;
    }
    const std::optional<std::size_t> index = parse_count(text.substr(0, slash));
    const std::optional<std::size_t> count = parse_count(text.substr(slash + 1));
    if (!index || !count) {
        error = quoted + "K and N must be whole numbers, e.g. 0/4 (shard K of N, K from 0)";
        return std::nullopt;
    }
    if (*count == 0 || *count > max_shard_count) {
        error = quoted + "N must be between 1 and " + std::to_string(max_shard_count);
        return std::nullopt;
    }
    if (*index >= *count) {
        error = quoted + "K must be less than N (K counts from 0: the shards of 4 are 0/4 to 3/4)";
        return std::nullopt;
    }
    return shard{*index, *count};
}

std::size_t shard_of(std::string_view hash, std::size_t count) {
    std::uint64_t value = 0;
    std::from_chars(hash.data(), hash.data() + std::min<std::size_t>(hash.size(), 16), value, 16);
    return count == 0 ? 0 : static_cast<std::size_t>(value % count);
}

bool in_shard(const entry& e, shard s) {
    return s.count <= 1 || shard_of(entry_hash(e), s.count) == s.index;
}

std::vector<entry> select_shard(std::vector<entry> entries, shard s) {
    if (s.count <= 1) {
        return entries;
    }
    std::erase_if(entries, [s](const entry& e) { return !in_shard(e, s); });
    return entries;
}

plan make_plan(std::span<const entry> entries, const existing_index& found) {
    std::vector<std::string> hashes;
    hashes.reserve(entries.size());
    for (const entry& e : entries) {
        hashes.push_back(entry_hash(e));
    }
    return make_plan(entries, hashes, found);
}

plan make_plan(std::span<const entry> entries, std::span<const std::string> hashes,
               const existing_index& found) {
    plan out;
    out.to_create.reserve(entries.size());
    std::string tag(key_tag_prefix);  // key_tag(hash), rewritten in place for each entry
    for (std::size_t n = 0; n < entries.size(); ++n) {
        std::string hash = hashes[n];
        tag.resize(key_tag_prefix.size());
        tag.append(hash);
        const auto it = found.empty() ? found.end() : found.find(tag);
        if (it != found.end()) {
            out.existing.push_back({n, std::move(hash), it->second});
        } else {
            out.to_create.push_back({n, std::move(hash)});
        }
    }
    return out;
}

}  // namespace salvo::provision
