#include "salvo/policy/retry_after.hpp"

#include <array>
#include <cstddef>
#include <cstdint>

namespace salvo::policy {

namespace {

using namespace std::chrono;

constexpr bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}
constexpr bool is_ows(char c) noexcept {
    return c == ' ' || c == '\t';
}

std::string_view trim_ows(std::string_view text) noexcept {
    while (!text.empty() && is_ows(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && is_ows(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

constexpr std::array<std::string_view, 7> short_days{"Mon", "Tue", "Wed", "Thu",
                                                     "Fri", "Sat", "Sun"};
constexpr std::array<std::string_view, 7> long_days{"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                    "Friday", "Saturday", "Sunday"};
constexpr std::array<std::string_view, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// A forward-only reader; every step checks the length first, so no input reads out of bounds.
class reader {
  public:
    explicit reader(std::string_view text) noexcept : text_(text) {}

    bool literal(std::string_view expected) noexcept {
        if (text_.substr(pos_, expected.size()) != expected) {
            return false;
        }
        pos_ += expected.size();
        return true;
    }

    // Exactly `count` digits.
    bool digits(std::size_t count, int& out) noexcept {
        if (text_.size() - pos_ < count) {
            return false;
        }
        int value = 0;
        for (std::size_t i = 0; i < count; ++i) {
            const char c = text_[pos_ + i];
            if (!is_digit(c)) {
                return false;
            }
            value = value * 10 + (c - '0');
        }
        pos_ += count;
        out = value;
        return true;
    }

    // One of `names`; out is its index. The first match wins, so list longer names first when
    // one is a prefix of another.
    template <std::size_t N>
    bool one_of(const std::array<std::string_view, N>& names, int& out) noexcept {
        for (std::size_t i = 0; i < N; ++i) {
            if (literal(names[i])) {
                out = static_cast<int>(i);
                return true;
            }
        }
        return false;
    }

    bool at_end() const noexcept { return pos_ == text_.size(); }

  private:
    std::string_view text_;
    std::size_t pos_ = 0;
};

struct civil_time {
    int year = 0;
    int month = 0;  // 1..12
    int day = 0;
    int hour = 0;
    int minute = 0;
    int second = 0;
};

bool read_month(reader& in, int& month) noexcept {
    int index = 0;
    if (!in.one_of(months, index)) {
        return false;
    }
    month = index + 1;
    return true;
}

// time-of-day = hour ":" minute ":" second
bool read_time_of_day(reader& in, civil_time& t) noexcept {
    return in.digits(2, t.hour) && in.literal(":") && in.digits(2, t.minute) && in.literal(":") &&
           in.digits(2, t.second);
}

// IMF-fixdate, after the day name: ", " 2DIGIT SP month SP 4DIGIT SP time-of-day " GMT"
bool read_imf_fixdate(reader& in, civil_time& t) noexcept {
    return in.literal(", ") && in.digits(2, t.day) && in.literal(" ") && read_month(in, t.month) &&
           in.literal(" ") && in.digits(4, t.year) && in.literal(" ") && read_time_of_day(in, t) &&
           in.literal(" GMT") && in.at_end();
}

// rfc850-date, after the long day name: ", " 2DIGIT "-" month "-" 2DIGIT SP time-of-day " GMT"
bool read_rfc850_date(reader& in, civil_time& t) noexcept {
    return in.literal(", ") && in.digits(2, t.day) && in.literal("-") && read_month(in, t.month) &&
           in.literal("-") && in.digits(2, t.year) && in.literal(" ") && read_time_of_day(in, t) &&
           in.literal(" GMT") && in.at_end();
}

// asctime-date, after the day name: SP month SP ( 2DIGIT / ( SP DIGIT ) ) SP time-of-day SP year
bool read_asctime_date(reader& in, civil_time& t) noexcept {
    if (!(in.literal(" ") && read_month(in, t.month) && in.literal(" "))) {
        return false;
    }
    const bool day = in.literal(" ") ? in.digits(1, t.day) : in.digits(2, t.day);
    return day && in.literal(" ") && read_time_of_day(in, t) && in.literal(" ") &&
           in.digits(4, t.year) && in.at_end();
}

// RFC 9110 §5.6.7: a two-digit year more than 50 years in the future is the most recent year
// in the past with the same last two digits.
int resolve_two_digit_year(int yy, system_clock::time_point now) noexcept {
    const int current = static_cast<int>(year_month_day{floor<days>(now)}.year());
    int year = current - current % 100 + yy;
    if (year > current + 50) {
        year -= 100;
    } else if (year <= current - 50) {
        year += 100;
    }
    return year;
}

std::optional<sys_seconds> to_sys_seconds(const civil_time& t) noexcept {
    if (t.hour > 23 || t.minute > 59 || t.second > 60) {  // 60: a leap second
        return std::nullopt;
    }
    const year_month_day date{year{t.year}, month{static_cast<unsigned>(t.month)},
                              day{static_cast<unsigned>(t.day)}};
    if (!date.ok()) {
        return std::nullopt;
    }
    return sys_days{date} + hours{t.hour} + minutes{t.minute} + seconds{t.second};
}

std::optional<seconds> parse_delay_seconds(std::string_view text) noexcept {
    std::int64_t value = 0;
    for (const char c : text) {
        if (!is_digit(c)) {
            return std::nullopt;
        }
        const int digit = c - '0';
        if (value > (max_retry_after.count() - digit) / 10) {
            return std::nullopt;
        }
        value = value * 10 + digit;
    }
    return seconds{value};
}

}  // namespace

std::optional<sys_seconds> parse_http_date(std::string_view value,
                                           system_clock::time_point now) noexcept {
    value = trim_ows(value);
    civil_time t;
    int weekday = 0;  // names are checked, not matched against the date (senders get it wrong)

    reader in(value);
    if (in.one_of(long_days, weekday)) {
        if (!read_rfc850_date(in, t)) {
            return std::nullopt;
        }
        t.year = resolve_two_digit_year(t.year, now);
        return to_sys_seconds(t);
    }
    if (!in.one_of(short_days, weekday)) {
        return std::nullopt;
    }
    reader imf = in;
    if (read_imf_fixdate(imf, t)) {
        return to_sys_seconds(t);
    }
    t = {};
    if (read_asctime_date(in, t)) {
        return to_sys_seconds(t);
    }
    return std::nullopt;
}

std::optional<seconds> parse_retry_after(std::string_view value,
                                         system_clock::time_point now) noexcept {
    value = trim_ows(value);
    if (value.empty()) {
        return std::nullopt;
    }
    if (is_digit(value.front())) {
        return parse_delay_seconds(value);
    }
    const auto date = parse_http_date(value, now);
    if (!date) {
        return std::nullopt;
    }
    // Rounded up: whole seconds from now's second; a fraction of now's second only shortens
    // the exact wait, and the ceiling of that is the same count.
    const auto wait = *date - floor<seconds>(now);
    if (wait <= seconds::zero()) {
        return seconds::zero();
    }
    if (wait > max_retry_after) {
        return std::nullopt;
    }
    return wait;
}

}  // namespace salvo::policy
