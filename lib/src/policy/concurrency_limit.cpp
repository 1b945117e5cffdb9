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
    options.increase = options.increase > 0.0
                           ? std::min(options.increase, static_cast<double>(options.max))
                           : 1.0;
    options.cut_interval = std::max(options.cut_interval, duration::zero());
    return options;
}

}  // namespace

concurrency_limit::concurrency_limit(concurrency_limit_options options) noexcept
    : options_(sanitized(options)), limit_(static_cast<double>(options_.initial)) {}

int concurrency_limit::limit() const noexcept {
    return std::clamp(static_cast<int>(limit_), options_.min, options_.max);
}

void concurrency_limit::on_success(time_point /*now*/) noexcept {
    limit_ = std::min(static_cast<double>(options_.max), limit_ + options_.increase / limit_);
}

void concurrency_limit::on_throttled(time_point now) noexcept {
    if (has_cut_ && now - last_cut_ < options_.cut_interval) {
        return;
    }
    limit_ = std::max(static_cast<double>(options_.min), limit_ * options_.decrease_ratio);
    has_cut_ = true;
    last_cut_ = now;
}

void concurrency_limit::on_throttled(time_point now, time_point sent_at) noexcept {
    if (has_cut_ && sent_at < last_cut_) {
        return;
    }
    on_throttled(now);
}

}  // namespace salvo::policy
