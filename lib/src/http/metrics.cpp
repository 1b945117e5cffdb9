#include <salvo/http/metrics.hpp>

#include <bit>
#include <cmath>

namespace salvo::http {

// Values below 8 us get a bucket each; above, 8 buckets per power of two.
std::size_t latency_histogram::bucket_of(std::uint64_t us) noexcept {
    if (us < sub_buckets) {
        return static_cast<std::size_t>(us);
    }
    const unsigned exponent = 63u - static_cast<unsigned>(std::countl_zero(us));  // >= 3
    const std::uint64_t mantissa = (us >> (exponent - 3)) & (sub_buckets - 1);
    const std::size_t bucket = (exponent - 2) * sub_buckets + mantissa;
    return bucket < bucket_count ? bucket : bucket_count - 1;
}

std::uint64_t latency_histogram::upper_bound_of(std::size_t bucket) noexcept {
    if (bucket < sub_buckets) {
        return bucket;
    }
    const std::size_t exponent = bucket / sub_buckets + 2;
    const std::uint64_t mantissa = bucket % sub_buckets;
    if (exponent >= 63) {
        return UINT64_MAX;
    }
    return ((sub_buckets + mantissa + 1) << (exponent - 3)) - 1;
}

void latency_histogram::record(std::chrono::microseconds value) noexcept {
    const auto us = static_cast<std::uint64_t>(value.count() < 0 ? 0 : value.count());
    buckets_[bucket_of(us)].fetch_add(1, std::memory_order_relaxed);
    auto max = max_.load(std::memory_order_relaxed);
    while (us > max && !max_.compare_exchange_weak(max, us, std::memory_order_relaxed)) {
    }
}

std::uint64_t latency_histogram::count() const noexcept {
    std::uint64_t total = 0;
    for (const auto& b : buckets_) {
        total += b.load(std::memory_order_relaxed);
    }
    return total;
}

std::uint64_t latency_histogram::quantile_us(double q) const noexcept {
    const std::uint64_t total = count();
    if (total == 0) {
        return 0;
    }
    const auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total)));
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < bucket_count; ++i) {
        seen += buckets_[i].load(std::memory_order_relaxed);
        if (seen >= rank && seen > 0) {
            return std::min(upper_bound_of(i), max_us());
        }
    }
    return max_us();
}

}  // namespace salvo::http
