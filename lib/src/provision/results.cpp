#include "salvo/provision/results.hpp"

#include "salvo/provision/atomic_file.hpp"

#include "salvo/platform/json_text.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <type_traits>
#include <utility>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>

namespace salvo::provision {

namespace json = boost::json;

std::string_view to_string(result_status s) noexcept {
    switch (s) {
        case result_status::created:
            return "created";
        case result_status::existing:
            return "existing";
        case result_status::failed:
            return "failed";
    }
    return "failed";
}

std::optional<result_status> parse_result_status(std::string_view text) noexcept {
    for (result_status s :
         {result_status::created, result_status::existing, result_status::failed}) {
        if (text == to_string(s)) {
            return s;
        }
    }
    return std::nullopt;
}

void tag_invoke(json::value_from_tag, json::value& v, const result_record& r) {
    json::object& obj = v.emplace_object();
    obj.reserve(r.error ? 8 : 7);
    obj.emplace("name", r.name);
    obj.emplace("key", r.key);
    obj.emplace("element", r.element);
    obj.emplace("status", to_string(r.status));
    if (r.id) {
        obj.emplace("id", *r.id);
    } else {
        obj.emplace("id", nullptr);
    }
    if (r.token) {
        obj.emplace("token", *r.token);
    } else {
        obj.emplace("token", nullptr);
    }
    obj.emplace("attempts", r.attempts);
    if (r.error) {
        json::object error;
        if (r.error->status) {
            error.emplace("status", *r.error->status);
        } else {
            error.emplace("status", nullptr);
        }
        error.emplace("message", r.error->message);
        if (r.error->request_id) {
            error.emplace("requestId", *r.error->request_id);
        } else {
            error.emplace("requestId", nullptr);
        }
        obj.emplace("error", std::move(error));
    }
}

namespace {

[[noreturn]] void bad_field(std::string_view field, std::string_view what) {
    throw std::invalid_argument("results record: \"" + std::string(field) + "\" " +
                                std::string(what));
}

const json::value& field(const json::object& obj, std::string_view name) {
    const json::value* v = obj.if_contains(name);
    if (v == nullptr) {
        bad_field(name, "is missing");
    }
    return *v;
}

std::string string_field(const json::object& obj, std::string_view name) {
    const json::value& v = field(obj, name);
    if (!v.is_string()) {
        bad_field(name, "must be a string");
    }
    return std::string(v.get_string().data(), v.get_string().size());
}

std::optional<std::string> nullable_string(const json::object& obj, std::string_view name) {
    const json::value* v = obj.if_contains(name);
    if (v == nullptr || v->is_null()) {
        return std::nullopt;
    }
    if (!v->is_string()) {
        bad_field(name, "must be a string or null");
    }
    return std::string(v->get_string().data(), v->get_string().size());
}

template <class Int>
std::optional<Int> nullable_int(const json::object& obj, std::string_view name) {
    const json::value* v = obj.if_contains(name);
    if (v == nullptr || v->is_null()) {
        return std::nullopt;
    }
    boost::system::error_code ec;
    const Int value = v->to_number<Int>(ec);
    if (ec) {
        bad_field(name, "must be an integer or null");
    }
    return value;
}

}  // namespace

result_record tag_invoke(json::value_to_tag<result_record>, const json::value& v) {
    if (!v.is_object()) {
        throw std::invalid_argument("results record: must be a JSON object");
    }
    const json::object& obj = v.get_object();
    result_record r;
    r.name = string_field(obj, "name");
    r.key = string_field(obj, "key");
    r.element = string_field(obj, "element");
    const std::optional<result_status> status = parse_result_status(string_field(obj, "status"));
    if (!status) {
        bad_field("status", "must be \"created\", \"existing\" or \"failed\"");
    }
    r.status = *status;
    r.id = nullable_int<std::int64_t>(obj, "id");
    r.token = nullable_string(obj, "token");
    const std::optional<int> attempts = nullable_int<int>(obj, "attempts");
    if (!attempts) {
        bad_field("attempts", "must be an integer");
    }
    r.attempts = *attempts;
    if (const json::value* error = obj.if_contains("error");
        error != nullptr && !error->is_null()) {
        if (!error->is_object()) {
            bad_field("error", "must be an object or null");
        }
        const json::object& e = error->get_object();
        r.error.emplace();
        r.error->status = nullable_int<int>(e, "status");
        r.error->message = nullable_string(e, "message").value_or("");
        r.error->request_id = nullable_string(e, "requestId");
    }
    return r;
}

namespace {

// An optional's value as JSON, or null.
template <class T>
void append_or_null(std::string& out, const std::optional<T>& value) {
    namespace text = platform::json_text;
    if (!value) {
        out.append("null");
    } else if constexpr (std::is_integral_v<T>) {
        text::append_int(out, *value);
    } else {
        text::append_string(out, *value);
    }
}

}  // namespace

void append_result_line(std::string& out, const result_record& r) {
    namespace text = platform::json_text;
    // The member order of tag_invoke(value_from_tag, result_record) above.
    out.append(R"({"name":)");
    text::append_string(out, r.name);
    out.append(R"(,"key":)");
    text::append_string(out, r.key);
    out.append(R"(,"element":)");
    text::append_string(out, r.element);
    out.append(R"(,"status":")");
    out.append(to_string(r.status));
    out.append(R"(","id":)");
    append_or_null(out, r.id);
    out.append(R"(,"token":)");
    append_or_null(out, r.token);
    out.append(R"(,"attempts":)");
    text::append_int(out, r.attempts);
    if (r.error) {
        out.append(R"(,"error":{"status":)");
        append_or_null(out, r.error->status);
        out.append(R"(,"message":)");
        text::append_string(out, r.error->message);
        out.append(R"(,"requestId":)");
        append_or_null(out, r.error->request_id);
        out.push_back('}');
    }
    out.append("}\n");
}

std::string format_result_line(const result_record& r) {
    std::string line;
    append_result_line(line, r);
    return line;
}

void check_results_writable(const std::filesystem::path& path) {
    atomic_file probe(path, 0600, "results file");  // created, then removed uncommitted
}

namespace {

// Writes the records `present` selects from `records` through one buffer, flushed every 64 KiB.
template <class Records, class Present>
std::size_t write_records(const std::filesystem::path& path, const Records& records,
                          Present present) {
    atomic_file file(path, 0600, "results file");
    constexpr std::size_t flush_at = 1 << 16;
    std::string buffer;
    buffer.reserve(flush_at + 1024);
    std::size_t written = 0;
    for (const auto& r : records) {
        const result_record* record = present(r);
        if (record == nullptr) {
            continue;
        }
        append_result_line(buffer, *record);
        ++written;
        if (buffer.size() >= flush_at) {
            file.write(buffer);
            buffer.clear();
        }
    }
    file.write(buffer);
    file.commit();
    return written;
}

}  // namespace

void write_results_atomically(const std::filesystem::path& path,
                              std::span<const result_record> records) {
    write_records(path, records, [](const result_record& r) { return &r; });
}

std::size_t write_entry_results_atomically(const std::filesystem::path& path,
                                           std::span<const std::optional<result_record>> records) {
    return write_records(path, records,
                         [](const std::optional<result_record>& r) { return r ? &*r : nullptr; });
}

results_file read_results(const std::filesystem::path& path) {
    results_file out;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) {
            return out;
        }
        throw std::system_error(errno, std::generic_category(),
                                "cannot read results file " + path.string());
    }
    std::string text;
    char chunk[1 << 16];
    for (;;) {
        const ssize_t got = ::read(fd, chunk, sizeof chunk);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0) {
            const int error = errno;
            ::close(fd);
            throw std::system_error(error, std::generic_category(),
                                    "cannot read results file " + path.string());
        }
        if (got == 0) {
            break;
        }
        text.append(chunk, static_cast<std::size_t>(got));
    }
    ::close(fd);
    out.found = true;

    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        const bool last_unterminated = end == std::string::npos;
        if (last_unterminated) {
            end = text.size();
        }
        const std::string_view line = std::string_view(text).substr(start, end - start);
        start = end + 1;
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
            continue;
        }
        boost::system::error_code ec;
        json::value v = json::parse(json::string_view(line.data(), line.size()), ec);
        if (!ec) {
            try {
                out.records.push_back(json::value_to<result_record>(v));
                continue;
            } catch (const std::exception&) {
                // not a record: counted below
            }
        }
        ++out.skipped_lines;
        out.truncated_tail = last_unterminated;
    }
    return out;
}

}  // namespace salvo::provision
