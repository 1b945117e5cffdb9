// The mock's state: the element catalogue and the instances, indexed by id and by tag. One mutex,
// held only to look up or change the maps; instances are immutable once shared.
#pragma once

#include <boost/json/fwd.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace salvo::mock {

struct element_info {
    std::int64_t id;
    std::string_view key;
    std::string_view name;
    std::span<const std::string_view> required;  // configuration keys a create must give
};

std::span<const element_info> element_catalogue() noexcept;
const element_info* find_element(std::string_view key) noexcept;
const element_info* find_element(std::int64_t id) noexcept;

struct instance {
    std::int64_t id = 0;
    std::string name;
    std::string token;
    std::string created_date;
    const element_info* element = nullptr;
    std::vector<std::string> tags;
    std::vector<std::string> configuration_keys;  // the values are never kept

    bool has_tag(std::string_view tag) const noexcept;
    // The instance as the platform shows it, appended to `out` as JSON text (written directly:
    // every GET and create answers with it).
    void write_json(std::string& out) const;
};

using instance_ptr = std::shared_ptr<const instance>;

struct instance_page {
    std::vector<instance_ptr> items;
    std::uint64_t total = 0;      // instances matching the filter, all pages
    std::int64_t next_after = 0;  // 0: no more pages; else the cursor of the next page
};

class instance_store {
  public:
    explicit instance_store(std::uint64_t salt) : salt_(salt) {}

    instance_ptr create(std::string name, const element_info& element,
                        std::vector<std::string> tags, std::vector<std::string> configuration_keys);
    instance_ptr find(std::int64_t id) const;
    bool erase(std::int64_t id);
    // Instances carrying every tag in `tags`, in id order, with ids above `after`.
    instance_page list(std::span<const std::string> tags, std::int64_t after,
                       std::size_t limit) const;
    std::size_t size() const;
    std::map<std::string, std::uint64_t, std::less<>> duplicate_names() const;
    void clear();

  private:
    std::string make_token(std::int64_t id) const;

    static constexpr std::int64_t first_id = 100001;
    mutable std::mutex mutex_;
    std::map<std::int64_t, instance_ptr> by_id_;
    std::unordered_map<std::string, std::set<std::int64_t>> by_tag_;
    std::unordered_map<std::string, std::uint64_t> name_counts_;
    std::int64_t next_id_ = first_id;
    std::uint64_t salt_;
};

// SplitMix64, for tokens and request ids.
std::uint64_t mix64(std::uint64_t x) noexcept;

}  // namespace salvo::mock
