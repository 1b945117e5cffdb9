// Counters and a latency histogram, updated lock-free by the engine and read as a snapshot.
#pragma once

#include <salvo/http/error.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>

namespace salvo::http {

// Log-linear histogram of microseconds: 8 sub-buckets per power of two, about 9% resolution.
class latency_histogram {
  public:
    static constexpr std::size_t sub_buckets = 8;
    static constexpr std::size_t bucket_count = 64 * sub_buckets;

    void record(std::chrono::microseconds value) noexcept;
    std::uint64_t count() const noexcept;
    std::uint64_t max_us() const noexcept { return max_.load(std::memory_order_relaxed); }
    // The upper bound of the bucket holding quantile q (0 < q <= 1), in microseconds.
    std::uint64_t quantile_us(double q) const noexcept;

    static std::size_t bucket_of(std::uint64_t us) noexcept;
    static std::uint64_t upper_bound_of(std::size_t bucket) noexcept;

  private:
    std::array<std::atomic<std::uint64_t>, bucket_count> buckets_{};
    std::atomic<std::uint64_t> max_{0};
};

constexpr std::size_t error_kinds = static_cast<std::size_t>(error::proxy_refused) + 1;
// Retries are counted by salvo::policy::retry_cause (none .. timeout).
constexpr std::size_t retry_causes = 7;

struct metrics_snapshot {
    std::uint64_t requests = 0;  // completed, successfully or not
    std::uint64_t failures = 0;
    std::uint64_t connections_opened = 0;
    std::uint64_t connections_reused = 0;
    std::uint64_t tls_handshakes_full = 0;
    std::uint64_t tls_handshakes_resumed = 0;
    std::uint64_t stale_retries = 0;  // transparent retries after a dead keep-alive connection
    std::uint64_t dns_lookups = 0;    // DNS queries made (a burst to a new host shares one)
    std::array<std::uint64_t, error_kinds> errors{};    // indexed by salvo::http::error
    std::array<std::uint64_t, retry_causes> retries{};  // indexed by salvo::policy::retry_cause
    std::uint64_t retries_given_up = 0;  // retryable, but out of attempts, budget or time
    std::uint64_t retry_wait_us = 0;     // time spent in backoff and Retry-After waits
    std::uint64_t rate_wait_us = 0;      // time spent waiting for the rate limiter
    std::uint64_t latency_p50_us = 0;
    std::uint64_t latency_p90_us = 0;
    std::uint64_t latency_p99_us = 0;
    std::uint64_t latency_max_us = 0;

    std::uint64_t errors_of(error e) const noexcept { return errors[static_cast<std::size_t>(e)]; }
    std::uint64_t retries_total() const noexcept {
        std::uint64_t total = 0;
        for (auto n : retries) {
            total += n;
        }
        return total;
    }
};

}  // namespace salvo::http
