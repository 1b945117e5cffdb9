#include "salvo/provision/manifest.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <unordered_map>
#include <utility>

#include <boost/json/array.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/stream_parser.hpp>
#include <boost/json/value.hpp>

#include "salvo/provision/keys.hpp"

namespace salvo::provision {

namespace json = boost::json;

std::string to_string(const problem& p) {
    std::string out = p.file;
    if (p.line) {
        out += ':';
        out += std::to_string(*p.line);
        if (p.column) {
            out += ':';
            out += std::to_string(*p.column);
        }
    }
    out += ": ";
    if (!p.path.empty()) {
        out += p.path;
        out += ": ";
    }
    out += p.message;
    return out;
}

environment process_environment() {
    return [](std::string_view name) -> std::optional<std::string> {
        const char* value = std::getenv(std::string(name).c_str());
        if (value == nullptr) {
            return std::nullopt;
        }
        return std::string(value);
    };
}

namespace {

bool is_name_start(char c) noexcept {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool is_name_char(char c) noexcept {
    return is_name_start(c) || (c >= '0' && c <= '9');
}
bool is_variable_name(std::string_view name) noexcept {
    return !name.empty() && is_name_start(name.front()) &&
           std::all_of(name.begin() + 1, name.end(), is_name_char);
}

}  // namespace

std::optional<std::string> expand_variables(std::string_view text, const environment& env,
                                            std::string& error) {
    std::string out;
    out.reserve(text.size());
    std::vector<std::string_view> unset;
    std::size_t i = 0;
    while (i < text.size()) {
        const std::size_t dollar = text.find('$', i);
        if (dollar == std::string_view::npos) {
            out.append(text.substr(i));
            break;
        }
        out.append(text.substr(i, dollar - i));
        const std::string_view rest = text.substr(dollar);
        if (rest.starts_with("$${")) {
            out.append("${");
            i = dollar + 3;
        } else if (rest.starts_with("${")) {
            const std::size_t close = rest.find('}', 2);
            if (close == std::string_view::npos) {
                error = "unterminated ${ (write $${ for a literal ${)";
                return std::nullopt;
            }
            const std::string_view name = rest.substr(2, close - 2);
            if (!is_variable_name(name)) {
                error =
                    "${...} must hold a variable name: letters, digits and _, not starting with a "
                    "digit (write $${ for a literal ${)";
                return std::nullopt;
            }
            if (std::optional<std::string> value = env ? env(name) : std::nullopt) {
                out.append(*value);
            } else if (std::find(unset.begin(), unset.end(), name) == unset.end()) {
                unset.push_back(name);
            }
            i = dollar + close + 1;
        } else {
            out.push_back('$');
            i = dollar + 1;
        }
    }
    if (!unset.empty()) {
        error = unset.size() == 1 ? "environment variable " : "environment variables ";
        for (std::size_t n = 0; n < unset.size(); ++n) {
            error += n == 0 ? "${" : ", ${";
            error.append(unset[n]);
            error += '}';
        }
        error += unset.size() == 1 ? " is not set" : " are not set";
        return std::nullopt;
    }
    return out;
}

namespace {

// "a.b", "a[\"odd key\"]": dotted when the key reads as an identifier.
std::string member_path(std::string_view base, std::string_view key) {
    std::string out(base);
    if (is_variable_name(key) || (!key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
            return is_name_char(c) || c == '-';
        }))) {
        if (!out.empty()) {
            out += '.';
        }
        out.append(key);
    } else {
        out += '[';
        out += json::serialize(json::string_view(key.data(), key.size()));
        out += ']';
    }
    return out;
}

std::string index_path(std::string_view base, std::size_t index) {
    std::string out(base);
    out += '[';
    out += std::to_string(index);
    out += ']';
    return out;
}

// A JSON path made into text only when a problem names it: most values have none, and building
// "instances[7].configuration.password" for each of them was most of the loader's work.
// Links live on the stack of the calls that walk the document.
class lazy_path {
  public:
    explicit lazy_path(std::string_view root) : root_(root) {}
    lazy_path member(std::string_view key) const { return lazy_path(this, key, 0, false); }
    lazy_path item(std::size_t index) const { return lazy_path(this, {}, index, true); }

    std::string str() const {
        if (parent_ == nullptr) {
            return std::string(root_);
        }
        return is_item_ ? index_path(parent_->str(), index_) : member_path(parent_->str(), key_);
    }

  private:
    lazy_path(const lazy_path* parent, std::string_view key, std::size_t index, bool is_item)
        : parent_(parent), key_(key), index_(index), is_item_(is_item) {}

    const lazy_path* parent_ = nullptr;
    std::string_view root_;
    std::string_view key_;
    std::size_t index_ = 0;
    bool is_item_ = false;
};

std::string_view view(const json::string& s) noexcept {
    return {s.data(), s.size()};
}

bool is_blank(std::string_view text) noexcept {
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

// 1-based line and column (in UTF-8 code points) of a byte offset.
std::pair<std::size_t, std::size_t> locate(std::string_view text, std::size_t offset) {
    offset = std::min(offset, text.size());
    const std::string_view before = text.substr(0, offset);
    const std::size_t line =
        1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
    const std::size_t line_start =
        before.rfind('\n') == std::string_view::npos ? 0 : before.rfind('\n') + 1;
    std::size_t column = 1;
    for (char c : before.substr(line_start)) {
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
            ++column;
        }
    }
    return {line, column};
}

std::string syntax_message(const boost::system::error_code& ec) {
    if (ec == json::error::incomplete) {
        return "invalid JSON: unexpected end of input";
    }
    return "invalid JSON: " + ec.message();
}

struct entry_defaults {
    std::optional<std::string> element;
    std::vector<std::string> tags;
    std::optional<json::object> configuration;
};

constexpr std::string_view document_fields = "batch, defaults, instances";
constexpr std::string_view defaults_fields = "element, tags, configuration";
constexpr std::string_view entry_fields = "name, key, element, configuration, tags";

bool is_one_of(std::string_view key, std::initializer_list<std::string_view> allowed) {
    return std::find(allowed.begin(), allowed.end(), key) != allowed.end();
}

// Appends `tag` unless already present (an entry has a handful of tags: a scan is cheapest).
void add_unique(std::vector<std::string>& tags, std::string tag) {
    if (std::find(tags.begin(), tags.end(), tag) == tags.end()) {
        tags.push_back(std::move(tag));
    }
}

class loader {
  public:
    loader(std::string_view file, const environment& env) : file_(file), env_(env) {}

    load_result run(std::string_view text, manifest_format format) {
        if (text.starts_with("\xEF\xBB\xBF")) {
            text.remove_prefix(3);  // a UTF-8 byte order mark, as some editors write
        }
        if (format == manifest_format::detect) {
            format = detect(text);
        }
        if (format == manifest_format::ndjson) {
            load_ndjson(text);
        } else {
            load_json(text);
        }
        return finish();
    }

  private:
    // .ndjson/.jsonl name NDJSON. Otherwise NDJSON when the first non-blank line is on its own
    // a complete object that is an entry (has "name") or a header followed by more lines; a JSON
    // manifest either spans lines or has "instances" on its one line.
    manifest_format detect(std::string_view text) const {
        const std::string_view name = file_;
        if (name.ends_with(".ndjson") || name.ends_with(".jsonl")) {
            return manifest_format::ndjson;
        }
        std::size_t start = 0;
        while (start < text.size()) {
            std::size_t end = text.find('\n', start);
            if (end == std::string_view::npos) {
                end = text.size();
            }
            const std::string_view line = text.substr(start, end - start);
            if (!is_blank(line)) {
                json::stream_parser p;
                boost::system::error_code ec;
                p.write(line.data(), line.size(), ec);
                if (!ec) {
                    p.finish(ec);
                }
                if (ec) {
                    return manifest_format::json;
                }
                const json::value first = p.release();
                if (!first.is_object() || first.get_object().contains("instances")) {
                    return manifest_format::json;
                }
                const json::object& obj = first.get_object();
                if (obj.contains("name")) {
                    return manifest_format::ndjson;
                }
                // A header ({"batch", "defaults"}) is NDJSON only when entries follow it.
                const bool header = obj.contains("batch") || obj.contains("defaults");
                return header && !is_blank(text.substr(end)) ? manifest_format::ndjson
                                                             : manifest_format::json;
            }
            start = end + 1;
        }
        return manifest_format::json;
    }

    void report(std::string path, std::string message) {
        problems_.push_back(
            {std::string(file_), line_, std::nullopt, std::move(path), std::move(message)});
    }
    void report(const lazy_path& path, std::string message) {
        report(path.str(), std::move(message));
    }

    void report_syntax(std::string_view text, std::size_t offset, std::size_t first_line,
                       const boost::system::error_code& ec) {
        auto [line, column] = locate(text, offset);
        problems_.push_back(
            {std::string(file_), first_line + line - 1, column, "", syntax_message(ec)});
    }

    // Parses one JSON value filling `text` (whitespace around it allowed), its memory from
    // `storage`.
    std::optional<json::value> parse(std::string_view text, std::size_t first_line,
                                     json::storage_ptr storage = {}) {
        json::stream_parser p;
        p.reset(std::move(storage));  // the value's storage (the constructor's is the parser's)
        boost::system::error_code ec;
        const std::size_t used = p.write_some(text.data(), text.size(), ec);
        if (ec) {
            report_syntax(text, used, first_line, ec);
            return std::nullopt;
        }
        if (!p.done()) {
            p.finish(ec);
            if (ec) {
                report_syntax(text, text.size(), first_line, ec);
                return std::nullopt;
            }
        }
        const std::size_t extra = text.find_first_not_of(" \t\r\n", used);
        if (extra != std::string_view::npos) {
            auto [line, column] = locate(text, extra);
            problems_.push_back({std::string(file_), first_line + line - 1, column, "",
                                 "invalid JSON: more data after the end of the value"});
            return std::nullopt;
        }
        return p.release();
    }

    bool expand(std::string_view in, const lazy_path& path, std::string& out) {
        std::string error;
        if (std::optional<std::string> expanded = expand_variables(in, env_, error)) {
            out = std::move(*expanded);
            return true;
        }
        report(path, std::move(error));
        return false;
    }

    // Expands every string inside a configuration value, in place.
    void expand_all(json::value& v, const lazy_path& path) {
        if (v.is_string()) {
            json::string& s = v.get_string();
            if (view(s).find('$') != std::string_view::npos) {
                std::string expanded;
                if (expand(view(s), path, expanded)) {
                    s.assign(expanded.data(), expanded.size());
                }
            }
        } else if (v.is_object()) {
            for (auto& member : v.get_object()) {
                expand_all(member.value(), path.member(member.key()));
            }
        } else if (v.is_array()) {
            json::array& items = v.get_array();
            for (std::size_t n = 0; n < items.size(); ++n) {
                expand_all(items[n], path.item(n));
            }
        }
    }

    // A string field: present and a string, expanded, non-empty. nullopt (reported) otherwise.
    std::optional<std::string> string_field(json::value& v, const lazy_path& path) {
        if (!v.is_string()) {
            report(path, "must be a string");
            return std::nullopt;
        }
        std::string out;
        if (!expand(view(v.get_string()), path, out)) {
            return std::nullopt;
        }
        if (out.empty()) {
            report(path, "must not be empty");
            return std::nullopt;
        }
        return out;
    }

    void unknown_fields(const json::object& obj, const lazy_path& path,
                        std::initializer_list<std::string_view> allowed, std::string_view list) {
        for (const auto& member : obj) {
            if (!is_one_of(member.key(), allowed)) {
                report(path.member(member.key()),
                       "unknown field (expected one of: " + std::string(list) + ")");
            }
        }
    }

    void tags_field(json::value& v, const lazy_path& path, std::vector<std::string>& tags) {
        if (!v.is_array()) {
            report(path, "must be an array of strings");
            return;
        }
        json::array& items = v.get_array();
        for (std::size_t n = 0; n < items.size(); ++n) {
            const lazy_path item_path = path.item(n);
            std::optional<std::string> tag = string_field(items[n], item_path);
            if (!tag) {
                continue;
            }
            if (is_reserved_tag(*tag)) {
                report(item_path,
                       "tags starting with \"" +
                           std::string(tag->starts_with(batch_tag_prefix) ? batch_tag_prefix
                                                                          : key_tag_prefix) +
                           "\" are reserved: salvo adds them itself");
                continue;
            }
            add_unique(tags, std::move(*tag));
        }
    }

    void read_batch(json::value& v) { batch_ = string_field(v, lazy_path("batch")); }

    void read_defaults(json::value& v, const lazy_path& path) {
        if (!v.is_object()) {
            report(path, "must be an object");
            return;
        }
        json::object& obj = v.get_object();
        unknown_fields(obj, path, {"element", "tags", "configuration"}, defaults_fields);
        if (json::value* element = obj.if_contains("element")) {
            defaults_.element = string_field(*element, path.member("element"));
            element_in_defaults_ = true;
        }
        if (json::value* tags = obj.if_contains("tags")) {
            tags_field(*tags, path.member("tags"), defaults_.tags);
        }
        if (json::value* configuration = obj.if_contains("configuration")) {
            const lazy_path configuration_path = path.member("configuration");
            if (!configuration->is_object()) {
                report(configuration_path, "must be an object");
            } else {
                expand_all(*configuration, configuration_path);
                defaults_.configuration.emplace(std::move(configuration->get_object()),
                                                json::storage_ptr());
            }
            configuration_in_defaults_ = true;
        }
    }

    // Reads instances[index] from `v` into a new entry (pushed even when invalid, so that
    // indexes line up and duplicates are found among all entries).
    void read_entry(json::value& v) {
        const std::size_t index = entries_.size();
        entry& e = entries_.emplace_back();
        e.index = index;
        explicit_key_.push_back(false);
        lines_.push_back(line_);
        const lazy_path instances("instances");
        const lazy_path path = instances.item(index);
        if (!v.is_object()) {
            report(path, "must be an object");
            return;
        }
        json::object& obj = v.get_object();
        unknown_fields(obj, path, {"name", "key", "element", "configuration", "tags"},
                       entry_fields);

        if (json::value* name = obj.if_contains("name")) {
            if (auto s = string_field(*name, path.member("name"))) {
                e.name = std::move(*s);
            }
        } else {
            report(path.member("name"), "is required");
        }

        if (json::value* key = obj.if_contains("key")) {
            if (auto s = string_field(*key, path.member("key"))) {
                e.key = std::move(*s);
                explicit_key_.back() = true;
            }
        } else {
            e.key = e.name;
        }

        if (json::value* element = obj.if_contains("element")) {
            if (auto s = string_field(*element, path.member("element"))) {
                e.element = std::move(*s);
            }
        } else if (defaults_.element) {
            e.element = *defaults_.element;
        } else if (!element_in_defaults_) {
            report(path.member("element"), "is required (here or in defaults.element)");
        }

        if (json::value* configuration = obj.if_contains("configuration")) {
            const lazy_path configuration_path = path.member("configuration");
            if (!configuration->is_object()) {
                report(configuration_path, "must be an object");
            } else {
                expand_all(*configuration, configuration_path);
                // A copy (into the entry's storage), not a move: the document's arena goes.
                e.configuration = std::move(configuration->get_object());
                if (defaults_.configuration) {
                    for (const auto& member : *defaults_.configuration) {
                        if (!e.configuration.contains(member.key())) {
                            e.configuration.emplace(member.key(), member.value());
                        }
                    }
                }
            }
        } else if (defaults_.configuration) {
            e.configuration = *defaults_.configuration;
        } else if (!configuration_in_defaults_) {
            report(path.member("configuration"), "is required (here or in defaults.configuration)");
        }

        e.tags = defaults_.tags;
        if (json::value* tags = obj.if_contains("tags")) {
            tags_field(*tags, path.member("tags"), e.tags);
        }
    }

    void load_json(std::string_view text) {
        // The whole document is in memory before the first entry is read: its thousands of
        // small blocks come from one arena, released at once (without walking the document),
        // not from malloc one by one. What an entry keeps (its configuration) is copied out
        // into the default storage, so nothing refers to the arena once this returns.
        json::monotonic_resource arena;
        std::optional<json::value> root = parse(text, 1, &arena);
        if (!root) {
            return;
        }
        if (!root->is_object()) {
            report("", "must be a JSON object with \"instances\" (or NDJSON, one entry per line)");
            return;
        }
        json::object& doc = root->get_object();
        unknown_fields(doc, lazy_path(""), {"batch", "defaults", "instances"}, document_fields);
        if (json::value* batch = doc.if_contains("batch")) {
            read_batch(*batch);
            batch_given_ = true;
        }
        if (json::value* defaults = doc.if_contains("defaults")) {
            read_defaults(*defaults, lazy_path("defaults"));
        }
        json::value* instances = doc.if_contains("instances");
        if (instances == nullptr) {
            report("instances", "is required");
            return;
        }
        if (!instances->is_array()) {
            report("instances", "must be an array");
            return;
        }
        json::array& items = instances->get_array();
        if (items.empty()) {
            report("instances", "must not be empty");
            return;
        }
        entries_.reserve(items.size());
        explicit_key_.reserve(items.size());
        for (json::value& item : items) {
            read_entry(item);
        }
    }

    void load_ndjson(std::string_view text) {
        // An upper bound on the entries: one allocation however long the file.
        const std::size_t lines =
            1 + static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
        entries_.reserve(lines);
        explicit_key_.reserve(lines);
        lines_.reserve(lines);
        bool first = true;
        std::size_t start = 0;
        std::size_t line_number = 0;
        while (start <= text.size()) {
            std::size_t end = text.find('\n', start);
            if (end == std::string_view::npos) {
                end = text.size();
            }
            ++line_number;
            const std::string_view line = text.substr(start, end - start);
            start = end + 1;
            if (is_blank(line)) {
                continue;
            }
            line_ = line_number;
            std::optional<json::value> value = parse(line, line_number);
            if (!value) {
                const std::size_t index = entries_.size();
                entries_.emplace_back().index = index;  // keeps later indexes aligned
                explicit_key_.push_back(false);
                lines_.push_back(line_);
                first = false;
                continue;
            }
            if (first && is_header(*value)) {
                json::object& header = value->get_object();
                unknown_fields(header, lazy_path(""), {"batch", "defaults"}, "batch, defaults");
                if (json::value* batch = header.if_contains("batch")) {
                    read_batch(*batch);
                    batch_given_ = true;
                }
                if (json::value* defaults = header.if_contains("defaults")) {
                    read_defaults(*defaults, lazy_path("defaults"));
                }
            } else {
                read_entry(*value);
            }
            first = false;
        }
        line_.reset();
        if (entries_.empty() && problems_.empty()) {
            report("", "has no entries (NDJSON: one JSON object per line)");
        }
    }

    // An NDJSON first line that sets batch/defaults rather than describing an entry.
    static bool is_header(const json::value& v) {
        if (!v.is_object()) {
            return false;
        }
        const json::object& obj = v.get_object();
        return !obj.contains("name") && (obj.contains("batch") || obj.contains("defaults"));
    }

    // Names and keys must be unique: two entries with one key would share one salvo-key tag.
    void find_duplicates() {
        std::unordered_map<std::string_view, std::size_t> names;
        std::unordered_map<std::string_view, std::size_t> keys;
        names.reserve(entries_.size());
        keys.reserve(entries_.size());
        const auto key_field = [this](std::size_t n) {
            return index_path("instances", n) + (explicit_key_[n] ? ".key" : ".name");
        };
        for (std::size_t n = 0; n < entries_.size(); ++n) {
            const entry& e = entries_[n];
            line_ = lines_[n];
            bool duplicate_name = false;
            if (!e.name.empty()) {
                auto [it, inserted] = names.try_emplace(e.name, n);
                if (!inserted) {
                    duplicate_name = true;
                    report(index_path("instances", n) + ".name",
                           "duplicate name: the same as instances[" + std::to_string(it->second) +
                               "].name");
                }
            }
            if (!e.key.empty()) {
                auto [it, inserted] = keys.try_emplace(e.key, n);
                const bool both_from_names = !explicit_key_[n] && !explicit_key_[it->second];
                if (!inserted && !(both_from_names && duplicate_name)) {
                    report(key_field(n), "duplicate key: the same as " + key_field(it->second) +
                                             " (an entry without \"key\" is keyed by its name)");
                }
            }
        }
        line_.reset();
    }

    load_result finish() {
        find_duplicates();
        if (!batch_given_) {
            batch_ = std::filesystem::path(file_).stem().string();
            if (batch_->empty()) {
                report("batch", "is required (the file name gives no default)");
            }
        }
        load_result result;
        if (!problems_.empty()) {
            std::stable_sort(problems_.begin(), problems_.end(),
                             [](const problem& a, const problem& b) {
                                 return a.line.value_or(0) < b.line.value_or(0);
                             });
            result.problems = std::move(problems_);
            return result;
        }
        result.value.batch = std::move(*batch_);
        result.value.entries = std::move(entries_);
        return result;
    }

    std::string_view file_;
    const environment& env_;
    std::optional<std::size_t> line_;  // NDJSON: the line being read
    std::vector<problem> problems_;
    std::optional<std::string> batch_;
    bool batch_given_ = false;
    entry_defaults defaults_;
    bool element_in_defaults_ = false;
    bool configuration_in_defaults_ = false;
    std::vector<entry> entries_;
    std::vector<bool> explicit_key_;
    std::vector<std::optional<std::size_t>> lines_;
};

}  // namespace

load_result parse_manifest(std::string_view text, std::string_view file_name,
                           const load_options& options) {
    return loader(file_name, options.env).run(text, options.format);
}

load_result load_manifest(const std::filesystem::path& file, const load_options& options) {
    const std::string name = file.string();
    const auto fail = [&name](std::string message) {
        load_result result;
        result.problems.push_back({name, std::nullopt, std::nullopt, "", std::move(message)});
        return result;
    };
    const int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return fail(std::string("cannot open: ") + std::strerror(errno));
    }
    std::string text;
    struct stat info {};
    if (::fstat(fd, &info) == 0) {
        if (S_ISDIR(info.st_mode)) {
            ::close(fd);
            return fail("is a directory");
        }
        if (S_ISREG(info.st_mode)) {
            text.reserve(static_cast<std::size_t>(info.st_size));
        }
    }
    char buffer[1 << 16];
    for (;;) {
        const ssize_t got = ::read(fd, buffer, sizeof buffer);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0) {
            const int error = errno;
            ::close(fd);
            return fail(std::string("cannot read: ") + std::strerror(error));
        }
        if (got == 0) {
            break;
        }
        text.append(buffer, static_cast<std::size_t>(got));
    }
    ::close(fd);
    return parse_manifest(text, name, options);
}

}  // namespace salvo::provision
