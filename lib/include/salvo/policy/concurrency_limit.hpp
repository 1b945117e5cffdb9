#pragma once
// Adaptive concurrency (AIMD, as TCP congestion avoidance and Netflix's concurrency-limits):
// the allowed number of requests in flight to an origin grows by about one per limit-many
// successes (one per round trip when the limit is in use), more slowly near the level where the
// server last throttled, and is cut multiplicatively when the server throttles (429/503), at
// most once per round of requests.
//
// Not thread-safe: one per origin, guarded by the caller (O(1), never blocks).

#include <chrono>

#include "salvo/policy/clock.hpp"

namespace salvo::policy {

struct concurrency_limit_options {
    int max = 64;                 // the configured ceiling (e.g. --concurrency)
    int min = 1;                  // never below this (clamped to [1, max])
    int initial = 0;              // 0: start at max
    double decrease_ratio = 0.7;  // the cut: limit *= ratio (clamped to [0.1, 0.95])
    double increase = 1.0;        // added per limit-many successes
    // Within one of the limit at the last throttle, grow this many times slower: every probe
    // past the server's capacity costs a 429, so probe there rarely (as CUBIC's plateau does).
    double probe_slowdown = 4.0;
    // When the throttled request's send time is not given: at most one cut per interval (set it
    // near the round-trip time).
    duration cut_interval = std::chrono::milliseconds{100};
};

class concurrency_limit {
  public:
    explicit concurrency_limit(concurrency_limit_options options = {}) noexcept;

    // How many requests may be in flight now (in [min, max]).
    int limit() const noexcept;

    // A request ended with a response that is not a throttle.
    void on_success(time_point now) noexcept;

    // The server throttled (429/503). Cuts unless a cut happened less than cut_interval ago.
    void on_throttled(time_point now) noexcept;

    // Preferred: ignores requests sent before the last cut (their throttle was answered by that
    // cut already), so one burst of 429s cuts once whatever the round-trip time, and a throttle
    // of a request sent after the cut cuts again at once.
    void on_throttled(time_point now, time_point sent_at) noexcept;

    // The exact (fractional) limit, for metrics and tests.
    double exact_limit() const noexcept { return limit_; }
    const concurrency_limit_options& options() const noexcept { return options_; }

  private:
    void cut(time_point now) noexcept;

    concurrency_limit_options options_;
    double limit_;
    double throttled_at_;  // the limit when the server last throttled (max + 1 before that)
    bool has_cut_ = false;
    time_point last_cut_{};
};

}  // namespace salvo::policy
