#include "salvo/policy/concurrency_limit.hpp"

#include <algorithm>

namespace salvo::policy {

namespace {

concurrency_limit_options sanitized(concurrency_limit_options options) noexcept {
    options.max = std::max(options.max, 1);
    options.min = std::clamp(options.min, 1, options.max);
    options.initial =
        options.initial <= 0 ? options.max : std::clamp(options.initial, options.min, options.max);
    options.decrease_ratio = options.decrease_ratio == options.decrease_ratio  // NaN: default
                                 ? std::clamp(options.decrease_ratio, 0.1, 0.95)
                                 : 0.7;
    options.increase =
        options.increase > 0.0 ? std::min(options.increase, static_cast<double>(options.max)) : 1.0;
    options.probe_slowdown = options.probe_slowdown >= 1.0 ? options.probe_slowdown : 1.0;
    options.cut_interval = std::max(options.cut_interval, duration::zero());
    return options;
}

}  // namespace

concurrency_limit::concurrency_limit(concurrency_limit_options options) noexcept
    : options_(sanitized(options)),
      limit_(static_cast<double>(options_.initial)),
      throttled_at_(static_cast<double>(options_.max) + 1.0) {}

int concurrency_limit::limit() const noexcept {
    return std::clamp(static_cast<int>(limit_), options_.min, options_.max);
}

void concurrency_limit::on_success(time_point /*now*/) noexcept {
    double step = options_.increase / limit_;
    if (limit_ + 1.0 >= throttled_at_) {
        step /= options_.probe_slowdown;
    }
    limit_ = std::min(static_cast<double>(options_.max), limit_ + step);
    if (limit_ > throttled_at_ + 1.0) {
        // Past the old ceiling with no throttle: the server grew; probe at full speed again.
        throttled_at_ = static_cast<double>(options_.max) + 1.0;
    }
}

void concurrency_limit::on_throttled(time_point now) noexcept {
    if (has_cut_ && now - last_cut_ < options_.cut_interval) {
        return;
    }
    cut(now);
}

void concurrency_limit::on_throttled(time_point now, time_point sent_at) noexcept {
    // Sent under the old limit: that limit was cut already. No time floor here: a throttle of a
    // request sent after the cut means the new limit is still too high, so cut again at once.
    if (has_cut_ && sent_at < last_cut_) {
        return;
    }
    cut(now);
}

void concurrency_limit::cut(time_point now) noexcept {
    throttled_at_ = limit_;
    limit_ = std::max(static_cast<double>(options_.min), limit_ * options_.decrease_ratio);
    has_cut_ = true;
    last_cut_ = now;
}

}  // namespace salvo::policy
