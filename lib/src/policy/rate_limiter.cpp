#include "salvo/policy/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace salvo::policy {

namespace {

// Seconds for `tokens` to accrue at `rate`, rounded up to whole nanoseconds (never early).
duration time_to_accrue(double tokens, double rate) noexcept {
    const double ns = std::ceil(tokens / rate * 1e9);
    if (!(ns < static_cast<double>(duration::max().count()))) {
        return duration::max();
    }
    return duration{static_cast<duration::rep>(ns)};
}

}  // namespace

rate_limiter::rate_limiter(rate_limit limit) noexcept
    : limit_(limit), unlimited_(!(limit.rate > 0.0) || std::isinf(limit.rate)), tokens_(0.0) {
    limit_.burst = limit.burst >= 1.0 ? limit.burst : 1.0;  // NaN lands on 1 too
    if (std::isinf(limit_.burst)) {
        unlimited_ = true;
    }
    tokens_ = limit_.burst;
}

double rate_limiter::refilled(time_point now) const noexcept {
    if (!last_ || now <= *last_) {
        return tokens_;
    }
    const double elapsed = static_cast<double>((now - *last_).count()) * 1e-9;
    return std::min(limit_.burst, tokens_ + elapsed * limit_.rate);
}

void rate_limiter::advance(time_point now) noexcept {
    tokens_ = refilled(now);
    if (!last_ || now > *last_) {
        last_ = now;
    }
}

duration rate_limiter::reserve(time_point now) noexcept {
    if (unlimited_) {
        return duration::zero();
    }
    advance(now);
    tokens_ -= 1.0;
    return tokens_ >= 0.0 ? duration::zero() : time_to_accrue(-tokens_, limit_.rate);
}

std::optional<duration> rate_limiter::try_reserve(time_point now, duration max_wait) noexcept {
    if (unlimited_) {
        return duration::zero();
    }
    advance(now);
    const double after = tokens_ - 1.0;
    const duration wait = after >= 0.0 ? duration::zero() : time_to_accrue(-after, limit_.rate);
    if (wait > max_wait) {
        return std::nullopt;
    }
    tokens_ = after;
    return wait;
}

void rate_limiter::cancel_reservation() noexcept {
    if (!unlimited_) {
        tokens_ = std::min(limit_.burst, tokens_ + 1.0);
    }
}

double rate_limiter::tokens(time_point now) const noexcept {
    return unlimited_ ? limit_.burst : refilled(now);
}

}  // namespace salvo::policy
