#include <salvo/mock/fault_plan.hpp>

#include <charconv>
#include <cmath>
#include <ostream>
#include <stdexcept>

namespace salvo::mock {
namespace {

constexpr std::size_t create_first = 0, create_last = 6;  // [first, last) of spec.rates
constexpr std::size_t read_first = 6, read_last = 9;

std::size_t index_of(fault f) noexcept {
    return static_cast<std::size_t>(f) - 1;
}

// SplitMix64: a bijective mixer; statistically good enough for fault draws.
std::uint64_t mix(std::uint64_t x) noexcept {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

[[noreturn]] void bad(std::string_view item, std::string_view why) {
    throw std::invalid_argument("--faults: '" + std::string(item) + "': " + std::string(why));
}

template <class Int>
Int parse_integer(std::string_view item, std::string_view text) {
    Int value{};
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) {
        bad(item, "expected a non-negative integer");
    }
    return value;
}

}  // namespace

std::string_view fault_name(fault f) noexcept {
    switch (f) {
        case fault::none:
            return "none";
        case fault::status_503:
            return "503";
        case fault::status_429:
            return "429";
        case fault::reset_before:
            return "reset-before";
        case fault::reset_after:
            return "reset-after";
        case fault::status_502_after:
            return "502-after";
        case fault::slow_after:
            return "slow-after";
        case fault::get_503:
            return "get-503";
        case fault::get_429:
            return "get-429";
        case fault::get_reset:
            return "get-reset";
    }
    return "none";
}

std::ostream& operator<<(std::ostream& out, fault f) {
    return out << fault_name(f);
}

double fault_spec::rate(fault f) const noexcept {
    return f == fault::none ? 0.0 : rates[index_of(f)];
}

void fault_spec::set_rate(fault f, double r) noexcept {
    if (f != fault::none) {
        rates[index_of(f)] = r;
    }
}

bool fault_spec::empty() const noexcept {
    for (double r : rates) {
        if (r > 0) {
            return false;
        }
    }
    return max_requests_per_conn == 0;
}

fault_spec fault_spec::parse(std::string_view spec) {
    fault_spec out;
    spec = trim(spec);
    if (spec.empty() || spec == "none") {
        return out;
    }
    std::array<bool, all_faults.size()> seen{};
    while (!spec.empty()) {
        auto comma = spec.find(',');
        std::string_view item = trim(spec.substr(0, comma));
        spec = comma == std::string_view::npos ? std::string_view{} : spec.substr(comma + 1);
        if (item.empty()) {
            throw std::invalid_argument("--faults: empty item (stray comma?)");
        }
        auto eq = item.find('=');
        if (eq == std::string_view::npos) {
            bad(item, "expected KEY=VALUE");
        }
        std::string_view key = trim(item.substr(0, eq));
        std::string_view value = trim(item.substr(eq + 1));
        if (key == "max-requests-per-conn") {
            out.max_requests_per_conn = parse_integer<std::uint32_t>(item, value);
            continue;
        }
        if (key == "slow-ms") {
            out.slow_delay = std::chrono::milliseconds(parse_integer<std::uint32_t>(item, value));
            continue;
        }
        if (key == "retry-after") {
            out.retry_after = std::chrono::seconds(parse_integer<std::uint32_t>(item, value));
            continue;
        }
        if (key == "close") {
            if (value != "announce" && value != "silent") {
                bad(item, "expected close=announce or close=silent");
            }
            out.silent_close = value == "silent";
            continue;
        }
        fault which = fault::none;
        for (fault f : all_faults) {
            if (fault_name(f) == key) {
                which = f;
            }
        }
        if (which == fault::none) {
            bad(item,
                "unknown fault (known: 503, 429, reset-before, reset-after, 502-after, "
                "slow-after, get-503, get-429, get-reset, max-requests-per-conn, slow-ms, "
                "retry-after, close)");
        }
        if (seen[index_of(which)]) {
            bad(item, "given twice");
        }
        seen[index_of(which)] = true;
        double r = 0;
        auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), r);
        if (value.empty() || ec != std::errc{} || end != value.data() + value.size() ||
            !std::isfinite(r) || r < 0 || r > 1) {
            bad(item, "the rate must be a number between 0 and 1");
        }
        out.set_rate(which, r);
    }
    auto sum = [&](std::size_t first, std::size_t last) {
        double total = 0;
        for (std::size_t i = first; i < last; ++i) {
            total += out.rates[i];
        }
        return total;
    };
    if (sum(create_first, create_last) > 1 + 1e-9) {
        throw std::invalid_argument("--faults: the create fault rates add up to more than 1");
    }
    if (sum(read_first, read_last) > 1 + 1e-9) {
        throw std::invalid_argument("--faults: the get-* fault rates add up to more than 1");
    }
    return out;
}

std::string fault_spec::to_string() const {
    std::string out;
    auto add = [&](std::string_view key, const std::string& value) {
        if (!out.empty()) {
            out += ',';
        }
        out.append(key).append("=").append(value);
    };
    for (fault f : all_faults) {
        if (rate(f) > 0) {
            char buf[32];
            auto [end, ec] = std::to_chars(buf, buf + sizeof buf, rate(f));
            add(fault_name(f), std::string(buf, ec == std::errc{} ? end : buf));
        }
    }
    if (max_requests_per_conn > 0) {
        add("max-requests-per-conn", std::to_string(max_requests_per_conn));
        if (silent_close) {
            add("close", "silent");
        }
    }
    if (slow_delay != fault_spec{}.slow_delay) {
        add("slow-ms", std::to_string(slow_delay.count()));
    }
    if (retry_after != fault_spec{}.retry_after) {
        add("retry-after", std::to_string(retry_after.count()));
    }
    return out.empty() ? "none" : out;
}

fault fault_plan::for_create(std::uint64_t n) const noexcept {
    return pick(0x637265617465ULL, n, create_first, create_last);
}

fault fault_plan::for_read(std::uint64_t n) const noexcept {
    return pick(0x72656164ULL, n, read_first, read_last);
}

fault fault_plan::pick(std::uint64_t stream, std::uint64_t n, std::size_t first,
                       std::size_t last) const noexcept {
    // A uniform draw in [0, 1) from (seed, stream, n) alone: the same seed gives the same faults.
    std::uint64_t bits = mix(mix(seed_ ^ stream) + n);
    double u = static_cast<double>(bits >> 11) * 0x1.0p-53;
    double edge = 0;
    for (std::size_t i = first; i < last; ++i) {
        edge += spec_.rates[i];
        if (u < edge) {
            return static_cast<fault>(i + 1);
        }
    }
    return fault::none;
}

}  // namespace salvo::mock
