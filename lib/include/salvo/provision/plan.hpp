#pragma once
// Which entries this process handles (--shard K/N) and which of them already exist.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "salvo/provision/manifest.hpp"

namespace salvo::provision {

// Shard `index` of `count`; index is 0-based (0 <= index < count), as Kubernetes'
// JOB_COMPLETION_INDEX is, so `--shard $JOB_COMPLETION_INDEX/N` works as is.
struct shard {
    std::size_t index = 0;
    std::size_t count = 1;

    friend bool operator==(const shard&, const shard&) = default;
};

inline constexpr std::size_t max_shard_count = 1'000'000;

// Parses "K/N" (decimal, no sign, no spaces). nullopt with `error` set on bad input
// ("--shard 4/4: K must be less than N (K counts from 0)", ...).
std::optional<shard> parse_shard(std::string_view text, std::string& error);

// The shard an entry hash (entry_hash(), 16 hex digits) falls in: its value mod `count`.
std::size_t shard_of(std::string_view hash, std::size_t count);

bool in_shard(const entry& e, shard s);

// Keeps the entries of shard `s`, in manifest order. Every entry is in exactly one of the
// `s.count` shards.
std::vector<entry> select_shard(std::vector<entry> entries, shard s);

// An instance found on the platform.
struct existing_instance {
    std::int64_t id = 0;
    std::string token;  // a secret
};

// What the sweep found: key_tag(hash) ("salvo-key:<hash>") -> the instance.
using existing_index = std::unordered_map<std::string, existing_instance>;

struct planned_entry {
    std::size_t entry = 0;  // position in the span given to make_plan
    std::string hash;       // entry_hash of that entry
};

struct adopted_entry {
    std::size_t entry = 0;
    std::string hash;
    existing_instance instance;
};

struct plan {
    std::vector<adopted_entry> existing;  // already on the platform: adopt, do not POST
    std::vector<planned_entry> to_create;
};

// Splits `entries` (this shard's) into those `found` already holds and those to create, each in
// the order of `entries`.
plan make_plan(std::span<const entry> entries, const existing_index& found);
// The same with each entry's entry_hash already at hand: `hashes[n]` is that of `entries[n]`.
plan make_plan(std::span<const entry> entries, std::span<const std::string> hashes,
               const existing_index& found);

}  // namespace salvo::provision
