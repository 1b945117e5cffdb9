#include "api.hpp"

#include <boost/json.hpp>

#include <charconv>
#include <random>

namespace salvo::mock {
namespace {

namespace json = boost::json;

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) noexcept {
    if (s.size() < prefix.size()) {
        return false;
    }
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
        if (c != prefix[i]) {
            return false;
        }
    }
    return true;
}

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

// Lenient on purpose: clients send `tags[]` with raw brackets as often as encoded.
std::string percent_decode(std::string_view s, bool plus_is_space) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out += static_cast<char>(hi * 16 + lo);
                i += 2;
                continue;
            }
        }
        out += plus_is_space && s[i] == '+' ? ' ' : s[i];
    }
    return out;
}

template <class Int>
bool parse_integer(std::string_view text, Int& value, int base = 10) noexcept {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
    return !text.empty() && ec == std::errc{} && end == text.data() + text.size();
}

std::string page_token(std::int64_t after) {
    char buf[24] = {'p'};
    auto [end, ec] = std::to_chars(buf + 1, buf + sizeof buf, after, 16);
    return std::string(buf, ec == std::errc{} ? end : buf + 1);
}

bool parse_page_token(std::string_view token, std::int64_t& after) noexcept {
    return token.size() > 1 && token.front() == 'p' && parse_integer(token.substr(1), after, 16) &&
           after > 0;
}

// Whether `method` is one of the comma-separated `allow`.
bool listed(std::string_view allow, std::string_view method) noexcept {
    while (!allow.empty()) {
        auto comma = allow.find(',');
        if (trim(allow.substr(0, comma)) == method) {
            return true;
        }
        allow = comma == std::string_view::npos ? std::string_view{} : allow.substr(comma + 1);
    }
    return false;
}

void set_json(api_response& out, const json::value& v) {
    out.body = json::serialize(v);
}

}  // namespace

api::api(const server_options& options)
    : user_secret_(options.user_secret),
      org_secret_(options.org_secret),
      plan_(options.faults, options.seed),
      latency_(options.latency),
      salt_(mix64(std::random_device{}() ^ (std::uint64_t{std::random_device{}()} << 32))),
      store_(salt_) {}

std::string api::request_id() {
    // 24 hex digits, like the platform's.
    std::uint64_t n = request_ids_.fetch_add(1, std::memory_order_relaxed);
    std::uint64_t a = mix64(salt_ ^ n), b = mix64(a);
    char buf[40];
    auto end = std::to_chars(buf, buf + 20, a | (1ULL << 63), 16).ptr;
    end = std::to_chars(end, buf + sizeof buf, (b >> 32) | (1ULL << 31), 16).ptr;
    return std::string(buf, end);
}

void api::error(api_response& out, unsigned status, std::string_view message) {
    out.status = status;
    json::object body;
    body["requestId"] = request_id();
    body["message"] = message;
    set_json(out, body);
}

void api::count(fault f) noexcept {
    faults_[static_cast<std::size_t>(f) - 1].fetch_add(1, std::memory_order_relaxed);
}

bool api::authorized(std::string_view header) const noexcept {
    bool user = false, org = false;
    while (!header.empty()) {
        auto comma = header.find(',');
        std::string_view part = trim(header.substr(0, comma));
        header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
        if (part.starts_with("User ")) {
            user = trim(part.substr(5)) == user_secret_;
        } else if (part.starts_with("Organization ")) {
            org = trim(part.substr(13)) == org_secret_;
        }
    }
    return user && org;
}

void api::handle(const api_request& in, api_response& out) {
    out.clear();
    requests_.fetch_add(1, std::memory_order_relaxed);
    std::string_view path = in.target, query;
    if (auto q = path.find('?'); q != std::string_view::npos) {
        query = path.substr(q + 1);
        path = path.substr(0, q);
    }

    if (path == "/_mock/stats") {
        if (in.method != "GET") {
            out.headers.emplace_back("Allow", "GET");
            return error(out, 405, "Method not allowed: use GET /_mock/stats");
        }
        stats s = snapshot();
        json::object body;
        body["requests"] = s.requests;
        body["posts"] = s.posts;
        body["creates"] = s.creates;
        body["deletes"] = s.deletes;
        body["instances"] = s.instances;
        body["connections"] = s.connections;
        body["cappedConnections"] = s.capped_connections;
        json::object& f = body["faults"].emplace_object();
        for (const auto& [name, n] : s.faults) {
            f[name] = n;
        }
        body["faultsTotal"] = s.faults_total();
        json::object& d = body["duplicates"].emplace_object();
        for (const auto& [name, n] : s.duplicates) {
            d[name] = n;
        }
        body["duplicateNames"] = s.duplicates.size();
        body["faultSpec"] = plan_.spec().to_string();
        return set_json(out, body);
    }
    if (path == "/_mock/reset") {
        if (in.method != "POST") {
            out.headers.emplace_back("Allow", "POST");
            return error(out, 405, "Method not allowed: use POST /_mock/reset");
        }
        reset();
        out.body = R"({"reset":true})";
        return;
    }

    if (!path.starts_with(api_prefix)) {
        return error(out, 404, "No such resource: " + std::string(path));
    }
    out.delay = latency_;
    std::string_view rest = path.substr(api_prefix.size());
    constexpr std::string_view instances_path = "/instances", elements = "/elements/";

    std::string_view element_key, id;
    enum class route : std::uint8_t { instances, instance, element_instances } which;
    if (rest == instances_path || rest == "/instances/") {
        which = route::instances;
    } else if (rest.starts_with("/instances/") && rest.find('/', 11) == std::string_view::npos) {
        which = route::instance;
        id = rest.substr(11);
    } else if (rest.starts_with(elements) && rest.ends_with(instances_path) &&
               rest.size() > elements.size() + instances_path.size() &&
               rest.substr(elements.size(), rest.size() - elements.size() - instances_path.size())
                       .find('/') == std::string_view::npos) {
        which = route::element_instances;
        element_key =
            rest.substr(elements.size(), rest.size() - elements.size() - instances_path.size());
    } else {
        return error(out, 404, "No such resource: " + std::string(path));
    }

    std::string_view allow = which == route::instances  ? "GET, POST"
                             : which == route::instance ? "GET, DELETE"
                                                        : "POST";
    if (!listed(allow, in.method)) {
        out.headers.emplace_back("Allow", std::string(allow));
        return error(out, 405, "Method " + std::string(in.method) + " not allowed here");
    }
    bool creating = in.method == "POST";
    if (creating) {
        posts_.fetch_add(1, std::memory_order_relaxed);
    }
    if (in.authorization.empty()) {
        return error(out, 401,
                     "No authorization header: expected 'User <secret>, Organization <secret>'");
    }
    if (!authorized(in.authorization)) {
        return error(out, 401,
                     "Invalid Organization or User secret, or invalid Element token provided.");
    }

    if (creating) {
        std::string key = percent_decode(element_key, false);
        return create(in, key, out);
    }
    if (in.method == "GET" && read_fault(out)) {
        return;
    }
    if (which == route::instances) {
        return list(query, out);
    }
    if (in.method == "GET") {
        return get(id, out);
    }
    return erase(id, out);
}

bool api::read_fault(api_response& out) {
    fault f = plan_.for_read(read_draws_.fetch_add(1, std::memory_order_relaxed));
    switch (f) {
        case fault::get_503:
            count(f);
            error(out, 503, "Service Unavailable (injected by salvo-mock)");
            return true;
        case fault::get_429:
            count(f);
            out.headers.emplace_back("Retry-After",
                                     std::to_string(plan_.spec().retry_after.count()));
            error(out, 429, "Too Many Requests (injected by salvo-mock)");
            return true;
        case fault::get_reset:
            count(f);
            out.action = api_response::then::reset;
            return true;
        default:
            return false;
    }
}

void api::create(const api_request& in, std::string_view element_key, api_response& out) {
    fault f = plan_.for_create(create_draws_.fetch_add(1, std::memory_order_relaxed));
    switch (f) {
        case fault::status_503:
            count(f);
            return error(out, 503, "Service Unavailable (injected by salvo-mock)");
        case fault::status_429:
            count(f);
            out.headers.emplace_back("Retry-After",
                                     std::to_string(plan_.spec().retry_after.count()));
            return error(out, 429, "Too Many Requests (injected by salvo-mock)");
        case fault::reset_before:
            count(f);
            out.action = api_response::then::reset;
            return;
        default:
            break;
    }

    if (!in.content_type.empty() && !starts_with_nocase(in.content_type, "application/json")) {
        return error(
            out, 415,
            "Unsupported Media Type '" + std::string(in.content_type) + "': send application/json");
    }
    boost::system::error_code ec;
    json::value doc = json::parse(in.body, ec);
    if (ec) {
        return error(out, 400, "Malformed JSON in request body: " + ec.message());
    }
    if (!doc.is_object()) {
        return error(out, 400, "The request body must be a JSON object");
    }
    const json::object& body = doc.get_object();

    const element_info* element = nullptr;
    if (!element_key.empty()) {
        element = find_element(element_key);
        if (element == nullptr) {
            return error(out, 400, "No element found with key '" + std::string(element_key) + "'");
        }
    } else {
        const json::value* e = body.if_contains("element");
        if (e == nullptr || !e->is_object()) {
            return error(out, 400, "element is required: {\"element\": {\"key\": \"...\"}}");
        }
        const json::value* key = e->get_object().if_contains("key");
        const json::value* eid = e->get_object().if_contains("id");
        if (key != nullptr && key->is_string()) {
            element = find_element(std::string_view(key->get_string()));
            if (element == nullptr) {
                return error(
                    out, 400,
                    "No element found with key '" + std::string(key->get_string().c_str()) + "'");
            }
        } else if (eid != nullptr && eid->is_int64()) {
            element = find_element(eid->get_int64());
            if (element == nullptr) {
                return error(out, 400,
                             "No element found with id " + std::to_string(eid->get_int64()));
            }
        } else {
            return error(out, 400, "element.key is required and must be a string");
        }
    }

    const json::value* name = body.if_contains("name");
    if (name == nullptr || !name->is_string() || name->get_string().empty()) {
        return error(out, 400, "name is required and must be a non-empty string");
    }
    const json::value* config = body.if_contains("configuration");
    if (config == nullptr || !config->is_object()) {
        return error(out, 400, "configuration is required and must be an object");
    }
    std::string missing;
    for (std::string_view required : element->required) {
        const json::value* v = config->get_object().if_contains(required);
        if (v == nullptr || v->is_null() || (v->is_string() && v->get_string().empty())) {
            missing.append(missing.empty() ? "" : ", ").append(required);
        }
    }
    if (!missing.empty()) {
        return error(out, 400,
                     "Missing required configuration for element '" + std::string(element->key) +
                         "': " + missing);
    }
    std::vector<std::string> tags;
    if (const json::value* t = body.if_contains("tags"); t != nullptr && !t->is_null()) {
        if (!t->is_array()) {
            return error(out, 400, "tags must be an array of strings");
        }
        tags.reserve(t->get_array().size());
        for (const json::value& tag : t->get_array()) {
            if (!tag.is_string()) {
                return error(out, 400, "tags must be an array of strings");
            }
            tags.emplace_back(tag.get_string());
        }
    }
    std::vector<std::string> keys;
    keys.reserve(config->get_object().size());
    for (const auto& kv : config->get_object()) {
        keys.emplace_back(kv.key());
    }

    instance_ptr made =
        store_.create(std::string(name->get_string()), *element, std::move(tags), std::move(keys));
    creates_.fetch_add(1, std::memory_order_relaxed);

    switch (f) {
        case fault::reset_after:
            count(f);
            out.action = api_response::then::reset;
            return;
        case fault::status_502_after:
            count(f);
            return error(out, 502, "Bad Gateway (injected by salvo-mock)");
        case fault::slow_after:
            count(f);
            out.delay += plan_.spec().slow_delay;
            break;
        default:
            break;
    }
    made->write_json(out.body);
}

void api::list(std::string_view query, api_response& out) {
    std::vector<std::string> tags;
    std::size_t page_size = 200;
    std::int64_t after = 0;
    while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view item = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        auto eq = item.find('=');
        std::string key = percent_decode(item.substr(0, eq), true);
        std::string value = eq == std::string_view::npos
                                ? std::string{}
                                : percent_decode(item.substr(eq + 1), true);
        if (key == "tags[]" || key == "tags") {
            tags.push_back(std::move(value));
        } else if (key == "pageSize") {
            if (!parse_integer(value, page_size) || page_size == 0) {
                return error(out, 400, "pageSize must be a positive integer");
            }
            page_size = std::min<std::size_t>(page_size, 200);
        } else if (key == "nextPage") {
            if (!parse_page_token(value, after)) {
                return error(out, 400, "Invalid nextPage token");
            }
        }
    }
    instance_page page = store_.list(tags, after, page_size);
    out.body.push_back('[');
    for (std::size_t i = 0; i < page.items.size(); ++i) {
        if (i != 0) {
            out.body.push_back(',');
        }
        page.items[i]->write_json(out.body);
    }
    out.body.push_back(']');
    out.headers.emplace_back("elements-total-count", std::to_string(page.total));
    if (page.next_after != 0) {
        out.headers.emplace_back("elements-next-page-token", page_token(page.next_after));
    }
}

void api::get(std::string_view id, api_response& out) {
    std::int64_t n = 0;
    if (!parse_integer(id, n)) {
        return error(out, 400, "Invalid instance id '" + std::string(id) + "'");
    }
    instance_ptr found = store_.find(n);
    if (!found) {
        return error(out, 404, "No instance found with ID " + std::string(id));
    }
    found->write_json(out.body);
}

void api::erase(std::string_view id, api_response& out) {
    std::int64_t n = 0;
    if (!parse_integer(id, n)) {
        return error(out, 400, "Invalid instance id '" + std::string(id) + "'");
    }
    if (!store_.erase(n)) {
        return error(out, 404, "No instance found with ID " + std::string(id));
    }
    deletes_.fetch_add(1, std::memory_order_relaxed);
}

stats api::snapshot() const {
    stats s;
    s.requests = requests_.load(std::memory_order_relaxed);
    s.posts = posts_.load(std::memory_order_relaxed);
    s.creates = creates_.load(std::memory_order_relaxed);
    s.deletes = deletes_.load(std::memory_order_relaxed);
    s.connections = connections_.load(std::memory_order_relaxed);
    s.capped_connections = capped_.load(std::memory_order_relaxed);
    s.instances = store_.size();
    for (fault f : all_faults) {
        s.faults.emplace(fault_name(f),
                         faults_[static_cast<std::size_t>(f) - 1].load(std::memory_order_relaxed));
    }
    s.duplicates = store_.duplicate_names();
    return s;
}

void api::reset() {
    store_.clear();
    for (counter* c : {&requests_, &posts_, &creates_, &deletes_, &connections_, &capped_,
                       &create_draws_, &read_draws_}) {
        c->store(0, std::memory_order_relaxed);
    }
    for (auto& c : faults_) {
        c.store(0, std::memory_order_relaxed);
    }
}

std::uint64_t stats::count(fault f) const {
    auto it = faults.find(fault_name(f));
    return it == faults.end() ? 0 : it->second;
}

std::uint64_t stats::faults_total() const {
    std::uint64_t total = 0;
    for (const auto& [name, n] : faults) {
        total += n;
    }
    return total;
}

}  // namespace salvo::mock
