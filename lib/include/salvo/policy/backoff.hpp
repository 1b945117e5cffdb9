#pragma once
// Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter").

#include <chrono>

#include "salvo/policy/clock.hpp"
#include "salvo/policy/random.hpp"

namespace salvo::policy {

struct backoff_policy {
    duration base = std::chrono::milliseconds{100};
    duration cap = std::chrono::seconds{20};
};

// min(cap, base * 2^retry): the upper bound of the wait before retry number `retry` (0 = the
// first retry). Saturates at cap for any retry number; non-positive base or cap give 0.
duration backoff_ceiling(const backoff_policy& policy, int retry) noexcept;

// Full jitter: uniform in [0, backoff_ceiling(policy, retry)).
duration backoff_delay(const backoff_policy& policy, int retry, rng& random) noexcept;

}  // namespace salvo::policy
