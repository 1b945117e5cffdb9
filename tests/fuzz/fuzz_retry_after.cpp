// libFuzzer: Retry-After and HTTP-date parsing (salvo::policy). Documented as total: never
// throws, never reads out of bounds. Also checked: a delay is within [0, max_retry_after], and
// a value that parses as a date gives the same wait through parse_retry_after.
#include <salvo/policy/retry_after.hpp>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace std::chrono;
    const std::string_view value(reinterpret_cast<const char*>(data), size);
    const sys_seconds now{seconds(1'700'000'000)};  // whole seconds: no rounding to account for

    const auto delay = salvo::policy::parse_retry_after(value, now);
    if (delay && (*delay < seconds(0) || *delay > salvo::policy::max_retry_after)) {
        std::abort();
    }
    const auto date = salvo::policy::parse_http_date(value, now);
    if (date && delay) {
        const auto expected = *date <= now ? seconds(0) : *date - now;
        if (*delay != expected) {
            std::abort();  // the two parsers disagree on the same date
        }
    }
    // Far-away clocks must not overflow either.
    (void)salvo::policy::parse_retry_after(value, system_clock::time_point::min());
    (void)salvo::policy::parse_retry_after(value, system_clock::time_point::max());
    (void)salvo::policy::parse_http_date(value, system_clock::time_point::max());
    return 0;
}
