#include "instance_store.hpp"

#include <salvo/platform/json_text.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <ctime>

namespace salvo::mock {
namespace {

namespace json = boost::json;
using namespace std::string_view_literals;

constexpr std::array actessentials_keys = {"username"sv, "password"sv};
constexpr std::array sfdc_keys = {"oauth.api.key"sv, "oauth.api.secret"sv, "oauth.callback.url"sv};
constexpr std::array hubspot_keys = {"oauth.api.key"sv, "oauth.api.secret"sv};
constexpr std::array netsuite_keys = {"netsuite.accountId"sv, "user.username"sv, "user.password"sv};
constexpr std::array zendesk_keys = {"zendesk.subdomain"sv, "username"sv, "api.key"sv};
constexpr std::array closeio_keys = {"username"sv};

constexpr std::array catalogue = {
    element_info{4114, "actessentials", "Act! Essentials", actessentials_keys},
    element_info{44, "sfdc", "Salesforce Sales Cloud", sfdc_keys},
    element_info{1218, "hubspot", "HubSpot Marketing", hubspot_keys},
    element_info{148, "netsuite", "NetSuite ERP", netsuite_keys},
    element_info{41, "zendesk", "Zendesk", zendesk_keys},
    element_info{3188, "closeio", "Close.io", closeio_keys},
};

std::string iso8601_now() {
    std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[32];
    std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return std::string(buf, n);
}

}  // namespace

std::uint64_t mix64(std::uint64_t x) noexcept {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

std::span<const element_info> element_catalogue() noexcept {
    return catalogue;
}

const element_info* find_element(std::string_view key) noexcept {
    for (const auto& e : catalogue) {
        if (e.key == key) {
            return &e;
        }
    }
    return nullptr;
}

const element_info* find_element(std::int64_t id) noexcept {
    for (const auto& e : catalogue) {
        if (e.id == id) {
            return &e;
        }
    }
    return nullptr;
}

bool instance::has_tag(std::string_view tag) const noexcept {
    return std::find(tags.begin(), tags.end(), tag) != tags.end();
}

void instance::write_json(std::string& out) const {
    namespace text = salvo::platform::json_text;
    out.append(R"({"id":)");
    text::append_int(out, id);
    out.append(R"(,"name":)");
    text::append_string(out, name);
    out.append(R"(,"token":)");
    text::append_string(out, token);
    out.append(R"(,"createdDate":)");
    text::append_string(out, created_date);
    out.append(R"(,"element":{"id":)");
    text::append_int(out, element->id);
    out.append(R"(,"key":)");
    text::append_string(out, element->key);
    out.append(R"(,"name":)");
    text::append_string(out, element->name);
    out.append(R"(,"active":true},"valid":true,"disabled":false,"eventsEnabled":false,)"
               R"("cachingEnabled":false,"externalAuthentication":"none","tags":[)");
    for (std::size_t i = 0; i < tags.size(); ++i) {
        if (i != 0) {
            out.push_back(',');
        }
        text::append_string(out, tags[i]);
    }
    out.append(R"(],"configuration":{)");
    for (std::size_t i = 0; i < configuration_keys.size(); ++i) {
        if (i != 0) {
            out.push_back(',');
        }
        text::append_key(out, configuration_keys[i]);
        out.append(R"("********")");
    }
    out.append("}}");
}

std::string instance_store::make_token(std::int64_t id) const {
    // 256 bits in base64url; the first word is a bijection of the id, so tokens never collide.
    static constexpr char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::array<std::uint64_t, 4> words{};
    words[0] = mix64(static_cast<std::uint64_t>(id) ^ salt_);
    for (std::size_t i = 1; i < words.size(); ++i) {
        words[i] = mix64(words[i - 1] + salt_ * i);
    }
    std::string out;
    out.reserve(44);
    for (auto w : words) {
        for (int i = 0; i < 11 && out.size() < 43; ++i, w >>= 6) {
            out += alphabet[w & 63];
        }
    }
    return out;
}

instance_ptr instance_store::create(std::string name, const element_info& element,
                                    std::vector<std::string> tags,
                                    std::vector<std::string> configuration_keys) {
    auto made = std::make_shared<instance>();
    made->name = std::move(name);
    made->created_date = iso8601_now();
    made->element = &element;
    made->tags = std::move(tags);
    made->configuration_keys = std::move(configuration_keys);
    std::lock_guard lock(mutex_);
    made->id = next_id_++;
    made->token = make_token(made->id);
    by_id_.emplace(made->id, made);
    for (const auto& tag : made->tags) {
        by_tag_[tag].insert(made->id);
    }
    ++name_counts_[made->name];
    return made;
}

instance_ptr instance_store::find(std::int64_t id) const {
    std::lock_guard lock(mutex_);
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : it->second;
}

bool instance_store::erase(std::int64_t id) {
    std::lock_guard lock(mutex_);
    auto it = by_id_.find(id);
    if (it == by_id_.end()) {
        return false;
    }
    const instance& gone = *it->second;
    for (const auto& tag : gone.tags) {
        auto tagged = by_tag_.find(tag);
        if (tagged != by_tag_.end()) {
            tagged->second.erase(id);
            if (tagged->second.empty()) {
                by_tag_.erase(tagged);
            }
        }
    }
    auto named = name_counts_.find(gone.name);
    if (named != name_counts_.end() && --named->second == 0) {
        name_counts_.erase(named);
    }
    by_id_.erase(it);
    return true;
}

instance_page instance_store::list(std::span<const std::string> tags, std::int64_t after,
                                   std::size_t limit) const {
    instance_page page;
    page.items.reserve(std::min<std::size_t>(limit, 256));
    std::lock_guard lock(mutex_);
    if (tags.empty()) {
        page.total = by_id_.size();
        for (auto it = by_id_.upper_bound(after); it != by_id_.end(); ++it) {
            if (page.items.size() == limit) {
                page.next_after = page.items.back()->id;
                break;
            }
            page.items.push_back(it->second);
        }
        return page;
    }
    // Walk the smallest tag set; the others are checked on each candidate.
    const std::set<std::int64_t>* smallest = nullptr;
    for (const auto& tag : tags) {
        auto it = by_tag_.find(tag);
        if (it == by_tag_.end()) {
            return page;
        }
        if (smallest == nullptr || it->second.size() < smallest->size()) {
            smallest = &it->second;
        }
    }
    for (std::int64_t id : *smallest) {
        const instance_ptr& candidate = by_id_.at(id);
        bool match = std::all_of(tags.begin(), tags.end(),
                                 [&](const std::string& t) { return candidate->has_tag(t); });
        if (!match) {
            continue;
        }
        ++page.total;
        if (id <= after) {
            continue;
        }
        if (page.items.size() < limit) {
            page.items.push_back(candidate);
        } else if (page.next_after == 0) {
            page.next_after = page.items.back()->id;
        }
    }
    return page;
}

std::size_t instance_store::size() const {
    std::lock_guard lock(mutex_);
    return by_id_.size();
}

std::map<std::string, std::uint64_t, std::less<>> instance_store::duplicate_names() const {
    std::map<std::string, std::uint64_t, std::less<>> out;
    std::lock_guard lock(mutex_);
    for (const auto& [name, count] : name_counts_) {
        if (count > 1) {
            out.emplace(name, count);
        }
    }
    return out;
}

void instance_store::clear() {
    std::lock_guard lock(mutex_);
    by_id_.clear();
    by_tag_.clear();
    name_counts_.clear();  // ids go on increasing, so that ids and tokens stay unique
}

}  // namespace salvo::mock
