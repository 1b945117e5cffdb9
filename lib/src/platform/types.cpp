// The platform's types as JSON, their secret-free printable forms, the redactor, and the
// platform error category. No I/O here.
#include <salvo/platform/redactor.hpp>
#include <salvo/platform/result.hpp>
#include <salvo/platform/types.hpp>

#include <salvo/policy/retry_after.hpp>

#include <boost/json.hpp>

#include <algorithm>
#include <limits>
#include <ostream>

namespace salvo::platform {

namespace json = boost::json;

namespace {

[[noreturn]] void fail(std::string_view path, std::string_view problem) {
    std::string what(path);
    what += ": ";
    what += problem;
    throw invalid_field(what);
}

std::string field_path(std::string_view path, std::string_view field) {
    std::string p(path);
    p += '.';
    p += field;
    return p;
}

const json::object& as_object(const json::value& jv, std::string_view path) {
    if (!jv.is_object()) {
        fail(path, "not an object");
    }
    return jv.get_object();
}

// The field, or nullptr when absent or null.
const json::value* find(const json::object& o, std::string_view key) {
    const json::value* v = o.if_contains(key);
    return v == nullptr || v->is_null() ? nullptr : v;
}

const json::value& require(const json::object& o, std::string_view key, std::string_view path) {
    const json::value* v = find(o, key);
    if (v == nullptr) {
        fail(field_path(path, key), "missing");
    }
    return *v;
}

std::string read_string(const json::value& v, std::string_view path) {
    if (!v.is_string()) {
        fail(path, "not a string");
    }
    return std::string(v.get_string());
}

std::int64_t read_int64(const json::value& v, std::string_view path) {
    if (v.is_int64()) {
        return v.get_int64();
    }
    if (v.is_uint64() &&
        v.get_uint64() <= std::uint64_t(std::numeric_limits<std::int64_t>::max())) {
        return static_cast<std::int64_t>(v.get_uint64());
    }
    fail(path, "not an integer");
}

bool read_bool(const json::value& v, std::string_view path) {
    if (!v.is_bool()) {
        fail(path, "not a boolean");
    }
    return v.get_bool();
}

std::vector<std::string> read_strings(const json::value& v, std::string_view path) {
    if (!v.is_array()) {
        fail(path, "not an array");
    }
    std::vector<std::string> out;
    out.reserve(v.get_array().size());
    std::size_t i = 0;
    for (const json::value& item : v.get_array()) {
        out.push_back(read_string(item, std::string(path) + '[' + std::to_string(i++) + ']'));
    }
    return out;
}

std::string optional_string(const json::object& o, std::string_view key, std::string_view path) {
    const json::value* v = find(o, key);
    return v == nullptr ? std::string() : read_string(*v, field_path(path, key));
}

element_ref element_from_json(const json::value& jv, std::string_view path) {
    const json::object& o = as_object(jv, path);
    element_ref e;
    e.key = read_string(require(o, "key", path), field_path(path, "key"));
    if (const json::value* id = find(o, "id")) {
        e.id = read_int64(*id, field_path(path, "id"));
    }
    e.name = optional_string(o, "name", path);
    return e;
}

json::array strings_to_json(const std::vector<std::string>& strings) {
    json::array a;
    a.reserve(strings.size());
    for (const std::string& s : strings) {
        a.emplace_back(s);
    }
    return a;
}

// Any non-object value masked, recursively; object keys kept.
json::value masked(const json::value& v) {
    if (v.is_object()) {
        json::object o;
        for (const auto& [key, item] : v.get_object()) {
            o.emplace(key, masked(item));
        }
        return o;
    }
    return json::string(redacted);
}

bool is_word_char(char c) noexcept {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// The secret as it reads inside a JSON string, when that differs (quotes, backslashes, ...).
std::string json_escaped(std::string_view secret) {
    std::string quoted = json::serialize(json::string(secret));
    return quoted.substr(1, quoted.size() - 2);
}

}  // namespace

// --- JSON conversions -------------------------------------------------------------------------

void tag_invoke(const json::value_from_tag&, json::value& jv, const element_ref& e) {
    jv = {{"id", e.id}, {"key", e.key}, {"name", e.name}};
}

element_ref tag_invoke(const json::value_to_tag<element_ref>&, const json::value& jv) {
    return element_from_json(jv, "element");
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const instance& i) {
    json::object o;
    o["id"] = i.id;
    o["token"] = i.token;
    o["name"] = i.name;
    o["createdDate"] = i.created_date;
    o["element"] = json::value_from(i.element);
    o["tags"] = strings_to_json(i.tags);
    o["valid"] = i.valid;
    o["disabled"] = i.disabled;
    jv = std::move(o);
}

instance instance_from_json(const json::value& jv, std::string_view path) {
    const json::object& o = as_object(jv, path);
    instance i;
    i.id = read_int64(require(o, "id", path), field_path(path, "id"));
    i.token = read_string(require(o, "token", path), field_path(path, "token"));
    i.name = read_string(require(o, "name", path), field_path(path, "name"));
    i.element = element_from_json(require(o, "element", path), field_path(path, "element"));
    i.created_date = optional_string(o, "createdDate", path);
    if (const json::value* tags = find(o, "tags")) {
        i.tags = read_strings(*tags, field_path(path, "tags"));
    }
    if (const json::value* valid = find(o, "valid")) {
        i.valid = read_bool(*valid, field_path(path, "valid"));
    }
    if (const json::value* disabled = find(o, "disabled")) {
        i.disabled = read_bool(*disabled, field_path(path, "disabled"));
    }
    return i;
}

instance tag_invoke(const json::value_to_tag<instance>&, const json::value& jv) {
    return instance_from_json(jv, "instance");
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const instance_request& r) {
    json::object o;
    o["element"] = {{"key", r.element_key}};
    o["name"] = r.name;
    o["configuration"] = r.configuration;
    o["tags"] = strings_to_json(r.tags);
    jv = std::move(o);
}

instance_request tag_invoke(const json::value_to_tag<instance_request>&, const json::value& jv) {
    constexpr std::string_view path = "request";
    const json::object& o = as_object(jv, path);
    instance_request r;
    const std::string element_path = field_path(path, "element");
    const json::object& element = as_object(require(o, "element", path), element_path);
    r.element_key = read_string(require(element, "key", element_path), element_path + ".key");
    r.name = read_string(require(o, "name", path), field_path(path, "name"));
    if (const json::value* configuration = find(o, "configuration")) {
        r.configuration = as_object(*configuration, field_path(path, "configuration"));
    }
    if (const json::value* tags = find(o, "tags")) {
        r.tags = read_strings(*tags, field_path(path, "tags"));
    }
    return r;
}

void tag_invoke(const json::value_from_tag&, json::value& jv, const api_error& e) {
    json::object o;
    o["status"] = e.status;
    o["message"] = e.message;
    o["requestId"] = e.request_id;
    if (!e.provider_message.empty()) {
        o["providerMessage"] = e.provider_message;
    }
    jv = std::move(o);
}

api_error tag_invoke(const json::value_to_tag<api_error>&, const json::value& jv) {
    // Lenient: an error body is whatever the server had at hand; take what reads as text.
    api_error e;
    const json::object* o = jv.if_object();
    if (o == nullptr) {
        return e;
    }
    auto text = [&](std::string_view key) -> std::string {
        const json::value* v = find(*o, key);
        if (v == nullptr) {
            return {};
        }
        return v->is_string() ? std::string(v->get_string()) : json::serialize(*v);
    };
    if (const json::value* status = find(*o, "status"); status != nullptr && status->is_number()) {
        std::error_code ec;
        const auto s = status->to_number<unsigned>(ec);
        e.status = ec ? 0 : s;
    }
    e.message = text("message");
    e.request_id = text("requestId");
    e.provider_message = text("providerMessage");
    return e;
}

// --- printable forms --------------------------------------------------------------------------

std::string to_string(const instance& i) {
    json::value jv = json::value_from(i);
    jv.get_object()["token"] = redacted;
    return json::serialize(jv);
}

std::string to_string(const instance_request& r) {
    json::value jv = json::value_from(r);
    jv.get_object()["configuration"] = masked(jv.get_object()["configuration"]);
    return json::serialize(jv);
}

std::string to_string(const api_error& e) {
    std::string s = "HTTP " + std::to_string(e.status);
    if (!e.message.empty()) {
        s += ": ";
        s += e.message;
    }
    if (!e.provider_message.empty()) {
        s += " (provider: ";
        s += e.provider_message;
        s += ')';
    }
    if (!e.request_id.empty()) {
        s += " [requestId ";
        s += e.request_id;
        s += ']';
    }
    return s;
}

std::ostream& operator<<(std::ostream& os, const instance& i) {
    return os << to_string(i);
}
std::ostream& operator<<(std::ostream& os, const instance_request& r) {
    return os << to_string(r);
}
std::ostream& operator<<(std::ostream& os, const api_error& e) {
    return os << to_string(e);
}

// --- redaction --------------------------------------------------------------------------------

std::string redact(std::string_view text, std::span<const std::string> secrets) {
    std::vector<std::string_view> forms;
    std::vector<std::string> escaped;
    escaped.reserve(secrets.size());
    for (const std::string& s : secrets) {
        if (s.empty()) {
            continue;
        }
        if (text.find(s) != std::string_view::npos) {
            forms.push_back(s);
        }
        std::string e = json_escaped(s);
        if (e != s && text.find(e) != std::string_view::npos) {
            escaped.push_back(std::move(e));
        }
    }
    if (forms.empty() && escaped.empty()) {
        return std::string(text);
    }
    forms.insert(forms.end(), escaped.begin(), escaped.end());
    std::sort(forms.begin(), forms.end(),
              [](std::string_view a, std::string_view b) { return a.size() > b.size(); });

    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        bool replaced = false;
        for (std::string_view f : forms) {
            if (text.compare(i, f.size(), f) != 0) {
                continue;
            }
            if (f.size() < redact_anywhere_length) {
                const bool word_before = i > 0 && is_word_char(text[i - 1]);
                const bool word_after =
                    i + f.size() < text.size() && is_word_char(text[i + f.size()]);
                if (word_before || word_after) {
                    continue;
                }
            }
            out += redacted;
            i += f.size();
            replaced = true;
            break;
        }
        if (!replaced) {
            out += text[i++];
        }
    }
    return out;
}

redactor::redactor(const redactor& other) {
    std::lock_guard lock(other.mutex_);
    secrets_ = other.secrets_;
}

redactor& redactor::operator=(const redactor& other) {
    if (this != &other) {
        std::vector<std::string> copy;
        {
            std::lock_guard lock(other.mutex_);
            copy = other.secrets_;
        }
        std::lock_guard lock(mutex_);
        secrets_ = std::move(copy);
    }
    return *this;
}

void redactor::add(std::string_view secret) {
    if (secret.empty()) {
        return;
    }
    std::lock_guard lock(mutex_);
    if (std::find(secrets_.begin(), secrets_.end(), secret) == secrets_.end()) {
        secrets_.emplace_back(secret);
    }
}

void redactor::add_values(const json::value& value) {
    std::vector<std::string> found;
    collect_secret_values(value, found);
    for (const std::string& s : found) {
        add(s);
    }
}

void redactor::add_values(const json::object& object) {
    for (const auto& item : object) {
        add_values(item.value());
    }
}

std::string redactor::redact(std::string_view text, std::span<const std::string> extra) const {
    std::vector<std::string> all;
    {
        std::lock_guard lock(mutex_);
        all.reserve(secrets_.size() + extra.size());
        all.assign(secrets_.begin(), secrets_.end());
    }
    all.insert(all.end(), extra.begin(), extra.end());
    return platform::redact(text, all);
}

std::size_t redactor::size() const {
    std::lock_guard lock(mutex_);
    return secrets_.size();
}

void collect_secret_values(const json::value& value, std::vector<std::string>& out) {
    switch (value.kind()) {
        case json::kind::string:
            out.emplace_back(value.get_string());
            break;
        case json::kind::int64:
        case json::kind::uint64:
        case json::kind::double_:
            out.push_back(json::serialize(value));
            break;
        case json::kind::array:
            for (const json::value& item : value.get_array()) {
                collect_secret_values(item, out);
            }
            break;
        case json::kind::object:
            for (const auto& item : value.get_object()) {
                collect_secret_values(item.value(), out);
            }
            break;
        case json::kind::bool_:
        case json::kind::null:
            break;
    }
}

// --- errors -----------------------------------------------------------------------------------

namespace {
class category final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "salvo.platform"; }
    std::string message(int value) const override {
        switch (static_cast<error>(value)) {
            case error::api_error:
                return "the platform answered with an error";
            case error::invalid_response:
                return "invalid response";
            case error::invalid_argument:
                return "invalid argument";
        }
        return "unknown platform error";
    }
};
}  // namespace

const boost::system::error_category& error_category() noexcept {
    static const category instance;
    return instance;
}

std::optional<std::chrono::seconds> failure::retry_after(
    std::chrono::system_clock::time_point now) const {
    const auto it = headers.find(boost::beast::http::field::retry_after);
    if (it == headers.end()) {
        return std::nullopt;
    }
    return policy::parse_retry_after(it->value(), now);
}

std::string to_string(const failure& f) {
    return f.message;
}
std::ostream& operator<<(std::ostream& os, const failure& f) {
    return os << f.message;
}

}  // namespace salvo::platform
