#pragma once
// A token bucket shared by all requests to an origin: `rate` requests per second on average,
// up to `burst` at once. Reserving hands out waits, so concurrent callers are staggered.
//
// Not thread-safe: one per origin, guarded by the caller (O(1), never blocks).

#include <optional>

#include "salvo/policy/clock.hpp"

namespace salvo::policy {

struct rate_limit {
    double rate = 0.0;   // requests per second; <= 0 (or NaN) means unlimited
    double burst = 1.0;  // the bucket's size (at least 1); it starts full
};

class rate_limiter {
  public:
    explicit rate_limiter(rate_limit limit = {}) noexcept;

    // Takes a token and returns how long the caller must wait before sending (0 if one was
    // available). The token is the caller's even when the wait is positive: the next caller's
    // wait is one interval longer.
    duration reserve(time_point now) noexcept;

    // As reserve, but only when the wait would be at most `max_wait` (e.g. the time left before
    // the request's deadline); nullopt, and nothing taken, otherwise.
    std::optional<duration> try_reserve(time_point now, duration max_wait) noexcept;

    // Gives back a token taken by reserve whose request was then not sent (e.g. cancelled).
    void cancel_reservation() noexcept;

    // Tokens in the bucket at `now`; negative when waits are queued. Does not change state.
    double tokens(time_point now) const noexcept;

    bool unlimited() const noexcept { return unlimited_; }
    const rate_limit& limit() const noexcept { return limit_; }

  private:
    double refilled(time_point now) const noexcept;
    void advance(time_point now) noexcept;

    rate_limit limit_;
    bool unlimited_;
    double tokens_;
    std::optional<time_point> last_;
};

}  // namespace salvo::policy
