// The platform's types as JSON, their secret-free printable forms, the redactor, and the
// platform error category. No I/O here.
#include <salvo/platform/json_text.hpp>
#include <salvo/platform/redactor.hpp>
#include <salvo/platform/result.hpp>
#include <salvo/platform/types.hpp>

#include <salvo/policy/retry_after.hpp>

#include <boost/json.hpp>
#include <boost/json/basic_parser_impl.hpp>

#include <algorithm>
#include <array>
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

// --- request bodies, written directly -------------------------------------------------------

void write_instance_request(std::string& out, std::string_view element_key, std::string_view name,
                            const json::object& configuration, std::span<const std::string> tags,
                            std::span<const std::string_view> more_tags) {
    // The member order of tag_invoke(value_from_tag, instance_request) above.
    out.append(R"({"element":{"key":)");
    json_text::append_string(out, element_key);
    out.append(R"(},"name":)");
    json_text::append_string(out, name);
    out.append(R"(,"configuration":)");
    json_text::append_object(out, configuration);
    out.append(R"(,"tags":[)");
    bool first = true;
    for (const std::string& tag : tags) {
        if (!first) {
            out.push_back(',');
        }
        first = false;
        json_text::append_string(out, tag);
    }
    for (const std::string_view tag : more_tags) {
        if (!first) {
            out.push_back(',');
        }
        first = false;
        json_text::append_string(out, tag);
    }
    out.append("]}");
}

void write_instance_request(std::string& out, const instance_request& r) {
    write_instance_request(out, r.element_key, r.name, r.configuration, r.tags);
}

// --- instances straight from JSON text ----------------------------------------------------------
//
// A SAX handler that fills instances as the parser reads, with no json::value in between. Each
// field keeps its last occurrence (as Boost.JSON's DOM does with duplicate keys) and what was
// wrong with it; the checks then run in instance_from_json's order, so the first problem named
// is the same one, with the same words.

namespace {

using error_code = boost::system::error_code;

// What a field of the document held (its last occurrence).
enum class seen : unsigned char { absent, ok, wrong };

struct element_fields {
    seen object = seen::absent;  // wrong: not an object
    seen id = seen::absent;
    seen key = seen::absent;
    seen name = seen::absent;
};

struct instance_fields {
    instance value;
    seen id = seen::absent;
    seen token = seen::absent;
    seen name = seen::absent;
    seen created_date = seen::absent;
    element_fields element;
    seen tags = seen::absent;            // wrong: not an array
    std::optional<std::size_t> bad_tag;  // the first tag that is not a string
    seen valid = seen::absent;
    seen disabled = seen::absent;

    // The instance, or invalid_field naming the first problem as instance_from_json would.
    instance take(std::string_view path) {
        auto check = [&](seen s, std::string_view field, std::string_view wrong, bool required) {
            if (s == seen::wrong) {
                fail(field_path(path, field), wrong);
            }
            if (s == seen::absent && required) {
                fail(field_path(path, field), "missing");
            }
        };
        check(id, "id", "not an integer", true);
        check(token, "token", "not a string", true);
        check(name, "name", "not a string", true);
        check(element.object, "element", "not an object", true);
        check(element.key, "element.key", "not a string", true);
        check(element.id, "element.id", "not an integer", false);
        check(element.name, "element.name", "not a string", false);
        check(created_date, "createdDate", "not a string", false);
        check(tags, "tags", "not an array", false);
        if (tags == seen::ok && bad_tag) {
            std::string p = field_path(path, "tags");
            p += '[';
            p += std::to_string(*bad_tag);
            p += ']';
            fail(p, "not a string");
        }
        check(valid, "valid", "not a boolean", false);
        check(disabled, "disabled", "not a boolean", false);
        return std::move(value);
    }
};

class instance_handler {
  public:
    static constexpr std::size_t max_array_size = std::size_t(-1);
    static constexpr std::size_t max_object_size = std::size_t(-1);
    static constexpr std::size_t max_string_size = std::size_t(-1);
    static constexpr std::size_t max_key_size = std::size_t(-1);

    // `list`: the document is an array of instances ("instances[n]..."), else one instance.
    // `keep_all` false: only id, token and name are kept (everything is still checked).
    instance_handler(bool list, std::string_view path, bool keep_all = true)
        : list_(list), keep_all_(keep_all), path_(path) {}

    std::vector<instance> instances;  // list: those read so far, in order
    instance single;                  // one instance: the result

    // After a complete parse: throws invalid_field for the first problem, as the DOM reader.
    void check() {
        if (problem_) {
            throw invalid_field(*problem_);
        }
    }

    bool on_document_begin(error_code&) { return true; }
    bool on_document_end(error_code&) { return true; }

    bool on_object_begin(error_code& ec) { return begin(kind::object, ec); }
    bool on_object_end(std::size_t, error_code&) {
        end();
        return true;
    }
    bool on_array_begin(error_code& ec) { return begin(kind::array, ec); }
    bool on_array_end(std::size_t, error_code&) {
        end();
        return true;
    }

    bool on_key_part(json::string_view s, std::size_t, error_code&) {
        if (wants_keys()) {
            text_.append(s.data(), s.size());
        }
        return true;
    }
    bool on_key(json::string_view s, std::size_t, error_code&) {
        if (wants_keys()) {
            std::string_view key(s.data(), s.size());
            if (!text_.empty()) {
                text_.append(s.data(), s.size());
                key = text_;
            }
            top().key = top().role == frame::instance ? instance_key(key) : element_key(key);
            text_.clear();
        }
        return true;
    }

    bool on_string_part(json::string_view s, std::size_t, error_code&) {
        if (depth_ > 0 && top().role != frame::skip) {
            text_.append(s.data(), s.size());
        }
        return true;
    }
    bool on_string(json::string_view s, std::size_t, error_code&) {
        std::string_view text(s.data(), s.size());
        if (!text_.empty()) {
            text_.append(s.data(), s.size());
            text = text_;
        }
        scalar(kind::string, text, 0, false);
        text_.clear();
        return true;
    }

    bool on_number_part(json::string_view, error_code&) { return true; }
    bool on_int64(std::int64_t i, json::string_view, error_code&) {
        scalar(kind::integer, {}, i, false);
        return true;
    }
    bool on_uint64(std::uint64_t u, json::string_view, error_code&) {
        if (u <= std::uint64_t(std::numeric_limits<std::int64_t>::max())) {
            scalar(kind::integer, {}, static_cast<std::int64_t>(u), false);
        } else {
            scalar(kind::other, {}, 0, false);
        }
        return true;
    }
    bool on_double(double, json::string_view, error_code&) {
        scalar(kind::other, {}, 0, false);
        return true;
    }
    bool on_bool(bool b, error_code&) {
        scalar(kind::boolean, {}, 0, b);
        return true;
    }
    bool on_null(error_code&) {
        scalar(kind::null, {}, 0, false);
        return true;
    }
    bool on_comment_part(json::string_view, error_code&) { return true; }
    bool on_comment(json::string_view, error_code&) { return true; }

  private:
    enum class kind : unsigned char { string, integer, boolean, null, other, object, array };
    enum class field : unsigned char {
        other,
        id,
        token,
        name,
        created_date,
        element,
        tags,
        valid,
        disabled,
        key,  // element.key
    };

    struct frame {
        enum type : unsigned char { list, instance, element, tags, skip } role;
        field key = field::other;  // instance and element: the member being read
        std::size_t count = 0;     // list and tags: items so far
    };

    static field instance_key(std::string_view key) noexcept {
        switch (key.size()) {
            case 2:
                return key == "id" ? field::id : field::other;
            case 4:
                return key == "name" ? field::name : key == "tags" ? field::tags : field::other;
            case 5:
                return key == "token" ? field::token : key == "valid" ? field::valid : field::other;
            case 7:
                return key == "element" ? field::element : field::other;
            case 8:
                return key == "disabled" ? field::disabled : field::other;
            case 11:
                return key == "createdDate" ? field::created_date : field::other;
            default:
                return field::other;
        }
    }
    static field element_key(std::string_view key) noexcept {
        return key == "id"     ? field::id
               : key == "key"  ? field::key
               : key == "name" ? field::name
                               : field::other;
    }

    frame& top() noexcept { return frames_[depth_ - 1]; }

    bool wants_keys() noexcept {
        return depth_ > 0 && (top().role == frame::instance || top().role == frame::element);
    }

    instance_fields& current() noexcept { return list_ ? item_ : root_; }

    void note(std::string what) {
        if (!problem_) {
            problem_ = std::move(what);
        }
    }

    std::string item_path() const {
        std::string p(path_);
        p += '[';
        p += std::to_string(depth_ == 0 ? 0 : frames_[0].count - 1);
        p += ']';
        return p;
    }

    // A container starts: `k` is kind::object or kind::array.
    bool begin(kind k, error_code& ec) {
        if (depth_ == frames_.size()) {  // the parser's max_depth (32) stops well before
            ec = json::error::too_deep;
            return false;
        }
        frame::type next = frame::skip;
        if (depth_ == 0) {
            if (list_ && k == kind::array) {
                next = frame::list;
            } else if (!list_ && k == kind::object) {
                next = frame::instance;
                root_ = instance_fields{};
            } else {
                note(std::string(path_) + (list_ ? ": not an array" : ": not an object"));
            }
        } else {
            frame& up = top();
            switch (up.role) {
                case frame::list:
                    ++up.count;
                    if (k == kind::object && !problem_) {
                        next = frame::instance;
                        item_ = instance_fields{};
                    } else if (k != kind::object) {
                        note(item_path() + ": not an object");
                    }
                    break;
                case frame::instance:
                    if (up.key == field::element && k == kind::object) {
                        next = frame::element;
                        current().element = element_fields{};
                        current().element.object = seen::ok;
                        current().value.element = element_ref{};
                    } else if (up.key == field::tags && k == kind::array) {
                        next = frame::tags;
                        current().tags = seen::ok;
                        current().bad_tag.reset();
                        current().value.tags.clear();
                        if (keep_all_) {
                            current().value.tags.reserve(4);
                        }
                    } else {
                        instance_value(up.key, k, {}, 0, false);
                    }
                    break;
                case frame::element:
                    element_value(up.key, k, {}, 0);
                    break;
                case frame::tags:
                    tag_value(up, k, {});
                    break;
                case frame::skip:
                    break;
            }
        }
        frames_[depth_++] = frame{next};
        return true;
    }

    void end() {
        const frame done = frames_[--depth_];
        if (done.role == frame::instance && list_ && !problem_) {
            try {
                instances.push_back(item_.take(item_path()));
            } catch (const invalid_field& e) {
                note(e.what());
            }
        } else if (done.role == frame::instance && !list_) {
            try {
                single = root_.take(path_);
            } catch (const invalid_field& e) {
                note(e.what());
            }
        }
    }

    void scalar(kind k, std::string_view text, std::int64_t i, bool b) {
        if (depth_ == 0) {
            note(std::string(path_) + (list_ ? ": not an array" : ": not an object"));
            return;
        }
        frame& up = top();
        switch (up.role) {
            case frame::list:
                ++up.count;
                note(item_path() + ": not an object");
                break;
            case frame::instance:
                instance_value(up.key, k, text, i, b);
                break;
            case frame::element:
                element_value(up.key, k, text, i);
                break;
            case frame::tags:
                tag_value(up, k, text);
                break;
            case frame::skip:
                break;
        }
    }

    static seen as_seen(bool ok, kind k) noexcept {
        return k == kind::null ? seen::absent : ok ? seen::ok : seen::wrong;
    }

    void instance_value(field f, kind k, std::string_view text, std::int64_t i, bool b) {
        instance_fields& in = current();
        instance& v = in.value;
        switch (f) {
            case field::id:
                in.id = as_seen(k == kind::integer, k);
                v.id = i;
                break;
            case field::token:
                in.token = as_seen(k == kind::string, k);
                v.token.assign(text);
                break;
            case field::name:
                in.name = as_seen(k == kind::string, k);
                v.name.assign(text);
                break;
            case field::created_date:
                in.created_date = as_seen(k == kind::string, k);
                if (keep_all_) {
                    v.created_date.assign(text);
                }
                break;
            case field::element:  // not an object (that is a frame of its own)
                in.element = element_fields{};
                in.element.object = as_seen(false, k);
                v.element = element_ref{};
                break;
            case field::tags:  // not an array
                in.tags = as_seen(false, k);
                in.bad_tag.reset();
                v.tags.clear();
                break;
            case field::valid:
                in.valid = as_seen(k == kind::boolean, k);
                v.valid = b;
                break;
            case field::disabled:
                in.disabled = as_seen(k == kind::boolean, k);
                v.disabled = b;
                break;
            case field::key:
            case field::other:
                break;
        }
    }

    void element_value(field f, kind k, std::string_view text, std::int64_t i) {
        element_fields& in = current().element;
        element_ref& v = current().value.element;
        switch (f) {
            case field::id:
                in.id = as_seen(k == kind::integer, k);
                v.id = i;
                break;
            case field::key:
                in.key = as_seen(k == kind::string, k);
                if (keep_all_) {
                    v.key.assign(text);
                }
                break;
            case field::name:
                in.name = as_seen(k == kind::string, k);
                if (keep_all_) {
                    v.name.assign(text);
                }
                break;
            default:
                break;
        }
    }

    void tag_value(frame& top, kind k, std::string_view text) {
        instance_fields& in = current();
        const std::size_t index = top.count++;
        if (k == kind::string) {
            if (keep_all_) {
                in.value.tags.emplace_back(text);
            }
        } else if (!in.bad_tag) {
            in.bad_tag = index;
        }
    }

    bool list_;
    bool keep_all_;
    std::string_view path_;
    std::array<frame, 40> frames_{};
    std::size_t depth_ = 0;
    std::string text_;  // a string or key that came in parts
    instance_fields root_;
    instance_fields item_;
    std::optional<std::string> problem_;  // the first, in document order
};

// Parses `text` with `handler`; false with `ec` set when it is not JSON.
bool parse_with(std::string_view text, json::basic_parser<instance_handler>& p, error_code& ec) {
    const std::size_t used = p.write_some(false, text.data(), text.size(), ec);
    if (!ec && used < text.size()) {
        ec = json::error::extra_data;
    }
    return !ec;
}

}  // namespace

instance parse_instance(std::string_view text, error_code& ec, std::string_view path) {
    json::basic_parser<instance_handler> p(json::parse_options{}, false, path);
    if (!parse_with(text, p, ec)) {
        return {};
    }
    p.handler().check();
    return std::move(p.handler().single);
}

created_instance parse_created_instance(std::string_view text, error_code& ec) {
    json::basic_parser<instance_handler> p(json::parse_options{}, false, "instance", false);
    if (!parse_with(text, p, ec)) {
        return {};
    }
    p.handler().check();
    instance& i = p.handler().single;
    return created_instance{i.id, std::move(i.token), std::move(i.name)};
}

std::vector<instance> parse_instances(std::string_view text, error_code& ec) {
    json::basic_parser<instance_handler> p(json::parse_options{}, true, "instances");
    if (!parse_with(text, p, ec)) {
        return {};
    }
    p.handler().check();
    return std::move(p.handler().instances);
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
