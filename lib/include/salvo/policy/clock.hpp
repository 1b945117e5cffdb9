#pragma once
// Time as the policy layer sees it: passed in, never read. Callers pass `now`, tests pass a fake.

#include <chrono>

namespace salvo::policy {

using clock = std::chrono::steady_clock;
using duration = std::chrono::nanoseconds;
using time_point = clock::time_point;

// A deadline that never arrives.
inline constexpr time_point no_deadline = time_point::max();

// True when waiting `wait` from `now` would reach or pass `deadline` (no overflow near max()).
constexpr bool passes_deadline(time_point now, duration wait, time_point deadline) noexcept {
    if (deadline == no_deadline) {
        return false;
    }
    if (now >= deadline) {
        return true;
    }
    return wait >= deadline - now;
}

}  // namespace salvo::policy
