#include "salvo/policy/retry_budget.hpp"

#include <algorithm>

namespace salvo::policy {

namespace {

retry_budget_options sanitized(retry_budget_options options) noexcept {
    options.capacity = std::max(options.capacity, 0);
    // A free retry would make the budget meaningless.
    options.retry_cost = std::max(options.retry_cost, 1);
    options.timeout_retry_cost = std::max(options.timeout_retry_cost, 1);
    options.success_refill = std::max(options.success_refill, 0);
    return options;
}

}  // namespace

retry_budget::retry_budget(retry_budget_options options) noexcept
    : options_(sanitized(options)), available_(options_.capacity) {}

int retry_budget::cost(retry_cause cause) const noexcept {
    return cause == retry_cause::timeout ? options_.timeout_retry_cost : options_.retry_cost;
}

int retry_budget::try_acquire(retry_cause cause) noexcept {
    const int price = cost(cause);
    if (available_ < price) {
        return 0;
    }
    available_ -= price;
    return price;
}

void retry_budget::on_success(int last_retry_cost) noexcept {
    const int earned = last_retry_cost > 0 ? last_retry_cost : options_.success_refill;
    // Subtraction first: no overflow whatever the caller passes.
    available_ = earned >= options_.capacity - available_ ? options_.capacity : available_ + earned;
}

}  // namespace salvo::policy
