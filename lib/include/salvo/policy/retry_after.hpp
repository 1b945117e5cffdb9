#pragma once
// Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date (§5.6.7, all three forms).

#include <chrono>
#include <optional>
#include <string_view>

namespace salvo::policy {

// Largest delay accepted (2^31 - 1 s, as RFC 9111 bounds delta-seconds); anything larger is
// treated as malformed, which also keeps every result convertible to nanoseconds.
inline constexpr std::chrono::seconds max_retry_after{2'147'483'647};

// The wait a Retry-After value asks for, or nullopt when the value is malformed (and must be
// ignored): garbage, a sign, a fraction, an invalid date, a delay above max_retry_after.
// A date in the past yields 0 s; a future date is rounded up to whole seconds. Optional
// whitespace around the value is allowed. No cap is applied here (see retry_policy).
// Total on any input: never throws, never reads out of bounds.
std::optional<std::chrono::seconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now) noexcept;

// The HTTP-date alone, as seconds since the Unix epoch; nullopt when malformed. `now` resolves
// the two-digit year of the obsolete RFC 850 form.
std::optional<std::chrono::sys_seconds> parse_http_date(
    std::string_view value, std::chrono::system_clock::time_point now) noexcept;

}  // namespace salvo::policy
