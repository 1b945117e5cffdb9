#pragma once
// A per-origin retry budget in the style of the AWS SDKs' retry quota: retries spend tokens,
// successes earn them back, so when most requests fail retries stop instead of multiplying the
// load. See docs/policy.md for why this and not gRPC's retry throttling.
//
// Not thread-safe: one instance per origin, guarded by the caller (the engine holds a mutex
// around each call; every call is O(1) and never blocks).

#include "salvo/policy/classification.hpp"

namespace salvo::policy {

struct retry_budget_options {
    int capacity = 500;           // tokens when full (and at start)
    int retry_cost = 5;           // one retry
    int timeout_retry_cost = 10;  // a retry after a timeout (timeouts hold resources longer)
    int success_refill = 1;       // a request that succeeded on its first attempt
};

class retry_budget {
  public:
    explicit retry_budget(retry_budget_options options = {}) noexcept;

    // What a retry for `cause` costs.
    int cost(retry_cause cause) const noexcept;

    // Takes the cost of one retry; returns the tokens taken (> 0), or 0 when the budget cannot
    // pay (the retry must not happen). Keep the value: on_success refunds it.
    int try_acquire(retry_cause cause) noexcept;

    // A request ended with a healthy response. `last_retry_cost` is what its last retry took
    // (0 if it succeeded on the first attempt): that is refunded, else success_refill is added.
    void on_success(int last_retry_cost = 0) noexcept;

    int available() const noexcept { return available_; }
    int capacity() const noexcept { return options_.capacity; }
    const retry_budget_options& options() const noexcept { return options_; }

  private:
    retry_budget_options options_;
    int available_;
};

}  // namespace salvo::policy
