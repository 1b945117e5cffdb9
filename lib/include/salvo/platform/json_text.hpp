// JSON text written straight into a string, byte for byte what boost::json::serialize writes for
// the same value, without building a json::value first: the request bodies and results lines of
// a bulk run are written once per entry, so the intermediate tree was most of their cost.
// Header-only: the provisioning core (which does not link the platform layer) uses it too.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <charconv>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace salvo::platform::json_text {

namespace detail {

// True when one of the 8 bytes of `word` is a control character, '"' or '\\' (exact: the
// borrow tricks can only err on bytes after a true match).
inline bool has_special_byte(std::uint64_t word) noexcept {
    constexpr std::uint64_t ones = 0x0101010101010101ULL;
    constexpr std::uint64_t highs = 0x8080808080808080ULL;
    const std::uint64_t quote = word ^ (ones * '"');
    const std::uint64_t backslash = word ^ (ones * '\\');
    const std::uint64_t control = (word - ones * 0x20) & ~word;
    return ((control | ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash)) & highs) != 0;
}

}  // namespace detail

// `text` as a JSON string, quotes included, escaped as Boost.JSON does: `"` and `\` behind a
// backslash, \b \t \n \f \r, other control characters as \u00xx; every other byte (UTF-8
// included) as it is.
inline void append_string(std::string& out, std::string_view text) {
    // 0: as is; 'u': \u00xx; else the letter after the backslash.
    static constexpr char escape[] =
        "uuuuuuuubtnufruuuuuuuuuuuuuuuuuu"
        "\0\0\"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"
        "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\\\0\0\0";
    static constexpr char hex[] = "0123456789abcdef";
    const char* const data = text.data();
    const std::size_t size = text.size();
    out.reserve(out.size() + size + 2);
    out.push_back('"');
    std::size_t plain = 0;  // start of the bytes not yet copied
    std::size_t i = 0;
    while (i < size) {
        // Eight bytes at a time while none needs an escape: the usual case, by far.
        if (i + 8 <= size) {
            std::uint64_t word;
            std::memcpy(&word, data + i, sizeof word);
            if (!detail::has_special_byte(word)) {
                i += 8;
                continue;
            }
        }
        const auto c = static_cast<unsigned char>(data[i]);
        if (c >= sizeof escape - 1 || escape[c] == '\0') {
            ++i;
            continue;
        }
        out.append(data + plain, i - plain);
        plain = ++i;
        if (escape[c] == 'u') {
            const char u[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            out.append(u, sizeof u);
        } else {
            const char e[] = {'\\', escape[c]};
            out.append(e, sizeof e);
        }
    }
    out.append(data + plain, size - plain);
    out.push_back('"');
}

inline void append_int(std::string& out, std::int64_t value) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    out.append(digits, static_cast<std::size_t>(end - digits));
}

inline void append_uint(std::string& out, std::uint64_t value) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    out.append(digits, static_cast<std::size_t>(end - digits));
}

void append_value(std::string& out, const boost::json::value& value);

// `"key":` with the key escaped.
inline void append_key(std::string& out, std::string_view key) {
    append_string(out, key);
    out.push_back(':');
}

inline void append_object(std::string& out, const boost::json::object& object) {
    out.push_back('{');
    bool first = true;
    for (const auto& member : object) {
        if (!first) {
            out.push_back(',');
        }
        first = false;
        append_key(out, {member.key().data(), member.key().size()});
        append_value(out, member.value());
    }
    out.push_back('}');
}

inline void append_value(std::string& out, const boost::json::value& value) {
    switch (value.kind()) {
        case boost::json::kind::null:
            out.append("null");
            break;
        case boost::json::kind::bool_:
            out.append(value.get_bool() ? "true" : "false");
            break;
        case boost::json::kind::int64:
            append_int(out, value.get_int64());
            break;
        case boost::json::kind::uint64:
            append_uint(out, value.get_uint64());
            break;
        case boost::json::kind::double_:
            out.append(boost::json::serialize(value));  // rare: Boost.JSON's own formatting
            break;
        case boost::json::kind::string:
            append_string(out, {value.get_string().data(), value.get_string().size()});
            break;
        case boost::json::kind::array: {
            out.push_back('[');
            bool first = true;
            for (const boost::json::value& item : value.get_array()) {
                if (!first) {
                    out.push_back(',');
                }
                first = false;
                append_value(out, item);
            }
            out.push_back(']');
            break;
        }
        case boost::json::kind::object:
            append_object(out, value.get_object());
            break;
    }
}

}  // namespace salvo::platform::json_text
