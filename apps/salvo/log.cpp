#include "log.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <charconv>
#include <cmath>
#include <ctime>

namespace salvo::cli {

namespace json = boost::json;

namespace {

constexpr std::string_view clear_line = "\r\x1b[K";

void append_double(std::string& out, double v) {
    if (!std::isfinite(v)) {
        out += "null";
        return;
    }
    char buf[32];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, ec == std::errc() ? end : buf);
}

void append_json_string(std::string& out, std::string_view text) {
    out += json::serialize(json::string(valid_utf8(text)));
}

void append_json_value(std::string& out, const json::value& v) {
    switch (v.kind()) {
        case json::kind::string:
            append_json_string(out, v.get_string());
            break;
        case json::kind::double_:
            append_double(out, v.get_double());
            break;
        default:
            out += json::serialize(v);
    }
}

// A text value goes bare when a reader cannot mistake where it ends.
bool bare(std::string_view s) {
    if (s.empty()) {
        return false;
    }
    for (const char c : s) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') ||
                        std::string_view("._:/@+-,%[]").find(c) != std::string_view::npos;
        if (!ok) {
            return false;
        }
    }
    return true;
}

// Quoted, with every control character escaped: a server's message cannot forge a line or
// drive the terminal.
void append_quoted(std::string& out, std::string_view raw) {
    const std::string s = valid_utf8(raw);
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c < 0x20 || c == 0x7f) {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else if (c == 0xc2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) < 0xa0) {
            // C1 controls (U+0080..U+009F): some terminals act on them too.
            const auto d = static_cast<unsigned char>(s[++i]);
            out += "\\u00";
            out += hex[d >> 4];
            out += hex[d & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    out += '"';
}

void append_text_value(std::string& out, const json::value& v) {
    switch (v.kind()) {
        case json::kind::string: {
            const std::string_view s = v.get_string();
            if (bare(s)) {
                out += s;
            } else {
                append_quoted(out, s);
            }
            break;
        }
        case json::kind::double_:
            append_double(out, v.get_double());
            break;
        default:
            out += json::serialize(v);
    }
}

json::value redacted(const json::value& v, const platform::redactor& secrets) {
    switch (v.kind()) {
        case json::kind::string:
            return json::string(secrets.redact(v.get_string()));
        case json::kind::array: {
            json::array a;
            for (const auto& item : v.get_array()) {
                a.push_back(redacted(item, secrets));
            }
            return a;
        }
        case json::kind::object: {
            json::object o;
            for (const auto& item : v.get_object()) {
                o[item.key()] = redacted(item.value(), secrets);
            }
            return o;
        }
        default:
            return v;
    }
}

// A status, request id or such that may be absent: null in JSON, left out of text.
json::value optional_int(int v) {
    return v == 0 ? json::value(nullptr) : json::value(v);
}
json::value optional_text(std::string_view v) {
    return v.empty() ? json::value(nullptr) : json::value(json::string(v));
}

// Rounded to `per_unit` steps (1000: milliseconds); dividing last keeps the printed form short.
double rounded(double v, double per_unit) {
    return std::round(v * per_unit) / per_unit;
}

}  // namespace

logger::logger(std::ostream& out, log_format format, log_level threshold, clock now)
    : out_(out), format_(format), threshold_(threshold), now_(std::move(now)) {}

void logger::redact_with(const platform::redactor* secrets) {
    std::lock_guard lock(mutex_);
    secrets_ = secrets;
}

void logger::log(log_level level, std::string_view event, log_fields fields) {
    if (!enabled(level)) {
        return;
    }
    const auto ts = now_();
    std::lock_guard lock(mutex_);
    if (secrets_ != nullptr) {
        for (auto& item : fields) {
            item.value() = redacted(item.value(), *secrets_);
        }
    }
    put(format_line(level, event, fields, ts));
}

void logger::write_line(std::string_view line) {
    std::lock_guard lock(mutex_);
    put(line);
}

void logger::show_status(std::string_view line) {
    std::lock_guard lock(mutex_);
    status_ = line;
    out_ << '\r' << status_ << "\x1b[K" << std::flush;
}

void logger::end_status(std::string_view line) {
    std::lock_guard lock(mutex_);
    out_ << '\r' << line << "\x1b[K\n" << std::flush;
    status_.clear();
}

void logger::put(std::string_view line) {
    if (status_.empty()) {
        out_ << line << '\n' << std::flush;
        return;
    }
    out_ << clear_line << line << '\n' << '\r' << status_ << "\x1b[K" << std::flush;
}

std::string logger::format_line(log_level level, std::string_view event, const log_fields& fields,
                                std::chrono::system_clock::time_point ts) const {
    std::string line;
    line.reserve(160);
    if (format_ == log_format::json) {
        line += R"({"ts":")";
        line += utc_timestamp(ts);
        line += R"(","level":")";
        line += to_string(level);
        line += R"(","event":)";
        append_json_string(line, event);
        for (const auto& item : fields) {
            line += ',';
            append_json_string(line, item.key());
            line += ':';
            append_json_value(line, item.value());
        }
        line += '}';
        return line;
    }
    line += "salvo: ";
    line += to_string(level);
    line += ": ";
    line += event;
    for (const auto& item : fields) {
        if (item.value().is_null()) {
            continue;
        }
        line += ' ';
        line += item.key();
        line += '=';
        append_text_value(line, item.value());
    }
    return line;
}

std::string utc_timestamp(std::chrono::system_clock::time_point t) {
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    ::gmtime_r(&seconds, &tm);
    char buf[96];  // room for any int the format could meet
    const int millis = static_cast<int>(ms % 1000);
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
    return buf;
}

std::string valid_utf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    std::size_t i = 0;
    while (i < text.size()) {
        const unsigned char c = byte(i);
        std::size_t length = 0;
        unsigned char low = 0x80, high = 0xbf;  // the range of the second byte
        if (c < 0x80) {
            length = 1;
        } else if (c >= 0xc2 && c <= 0xdf) {
            length = 2;
        } else if (c >= 0xe0 && c <= 0xef) {
            length = 3;
            low = c == 0xe0 ? 0xa0 : 0x80;
            high = c == 0xed ? 0x9f : 0xbf;
        } else if (c >= 0xf0 && c <= 0xf4) {
            length = 4;
            low = c == 0xf0 ? 0x90 : 0x80;
            high = c == 0xf4 ? 0x8f : 0xbf;
        }
        bool ok = length > 0 && i + length <= text.size();
        for (std::size_t k = 1; ok && k < length; ++k) {
            const unsigned char b = byte(i + k);
            ok = k == 1 ? (b >= low && b <= high) : (b >= 0x80 && b <= 0xbf);
        }
        if (ok) {
            out.append(text.substr(i, length));
            i += length;
        } else {
            out += "\xef\xbf\xbd";
            ++i;
        }
    }
    return out;
}

std::string url_for_log(std::string_view text) {
    auto parsed = boost::urls::parse_uri(text);  // a fragment too, unlike parse_absolute_uri
    if (!parsed) {
        // Shown as typed unless it may hold user info.
        return text.find('@') == std::string_view::npos ? std::string(text) : "(invalid URL)";
    }
    boost::urls::url u(*parsed);
    u.remove_userinfo();
    u.remove_query();
    u.remove_fragment();
    return std::string(u.buffer());
}

log_level level_of(provision::run_event_kind kind) noexcept {
    using k = provision::run_event_kind;
    switch (kind) {
        case k::entry_created:
        case k::outcome_unknown:
        case k::checkpoint_written:
            return log_level::debug;
        case k::run_started:
        case k::sweep_finished:
        case k::reconciled:
        case k::reconcile_not_found:
        case k::results_written:
        case k::run_finished:
        case k::teardown_listed:
        case k::teardown_finished:
            return log_level::info;
        case k::entry_failed:
        case k::run_stopped:
        case k::delete_failed:
            return log_level::warn;
        case k::sweep_failed:
        case k::auth_rejected:
        case k::results_failed:
            return log_level::error;
    }
    return log_level::info;
}

void log_event(logger& log, const provision::run_event& e, const run_context& context) {
    using k = provision::run_event_kind;
    const log_level level = level_of(e.kind);
    if (!log.enabled(level)) {
        return;
    }
    log_fields f;
    const provision::run_summary* s = e.summary;
    switch (e.kind) {
        case k::run_started:
            f["batch"] = context.batch;
            f["entries"] = e.count;
            f["shard"] = optional_text(context.shard);
            f["base_url"] = context.base_url;
            f["concurrency"] = context.concurrency;
            f["dry_run"] = context.dry_run;
            f["proxy"] = optional_text(context.proxy);
            f["no_proxy"] = optional_text(context.no_proxy);
            break;
        case k::sweep_finished:
            f["batch"] = context.batch;
            f["found"] = e.count;  // the batch's instances on the platform, every shard's
            if (s != nullptr) {
                f["adopted"] = s->existing;
                f["to_create"] = s->entries - s->existing;
            }
            break;
        case k::entry_created:
        case k::reconciled:
            f["entry"] = e.entry;
            f["id"] = e.id;
            f["attempts"] = e.attempts;
            break;
        case k::reconcile_not_found:
            f["entry"] = e.entry;
            f["attempts"] = e.attempts;
            f["sending_again"] = e.count != 0;
            break;
        case k::outcome_unknown:
        case k::entry_failed:
            f["entry"] = e.entry;
            f["status"] = optional_int(e.status);
            f["request_id"] = optional_text(e.request_id);
            f["attempts"] = e.attempts;
            f["message"] = e.message;
            break;
        case k::sweep_failed:
        case k::auth_rejected:
            if (!e.entry.empty()) {
                f["entry"] = e.entry;
            }
            f["status"] = optional_int(e.status);
            f["request_id"] = optional_text(e.request_id);
            f["message"] = e.message;
            if (e.kind == k::auth_rejected) {
                f["hint"] =
                    "check the SALVO_USER_SECRET and SALVO_ORG_SECRET environment variables";
            }
            break;
        case k::delete_failed:
            f["instance"] = e.entry;
            f["id"] = e.id;
            f["status"] = optional_int(e.status);
            f["request_id"] = optional_text(e.request_id);
            f["message"] = e.message;
            break;
        case k::run_stopped:
            f["not_started"] = e.count;
            f["reason"] = e.message;
            break;
        case k::checkpoint_written:
        case k::results_written:
            f["path"] = context.results_path;
            f["records"] = e.count;
            break;
        case k::results_failed: {
            std::string message = "the results file was not written (the last one stands): ";
            message += e.message;
            f["path"] = context.results_path;
            f["message"] = std::move(message);
            break;
        }
        case k::run_finished:
            if (s != nullptr) {
                f["batch"] = context.batch;
                f["entries"] = s->entries;
                f["created"] = s->created;
                f["existing"] = s->existing;
                f["failed"] = s->failed;
                f["not_started"] = s->not_started;
                f["create_calls"] = s->create_calls;
                f["reconcile_lookups"] = s->reconcile_lookups;
                f["reconciled"] = s->reconciled;
                f["seconds"] = rounded(s->seconds, 1000);
            }
            f["exit_status"] =
                context.exit_status ? json::value(*context.exit_status) : json::value(nullptr);
            break;
        case k::teardown_listed:
            f["batch"] = context.batch;
            f["found"] = e.count;
            break;
        case k::teardown_finished:
            f["batch"] = context.batch;
            if (e.teardown != nullptr) {
                f["found"] = e.teardown->found;
                f["deleted"] = e.teardown->deleted;
                f["failed"] = e.teardown->failed;
            }
            break;
    }
    log.log(level, provision::to_string(e.kind), std::move(f));
}

}  // namespace salvo::cli
