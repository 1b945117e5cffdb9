#pragma once
// The retry decision: classification + attempt count + deadline + Retry-After + budget + jitter.

#include <chrono>
#include <optional>
#include <string_view>

#include "salvo/policy/backoff.hpp"
#include "salvo/policy/classification.hpp"
#include "salvo/policy/clock.hpp"
#include "salvo/policy/random.hpp"
#include "salvo/policy/retry_budget.hpp"

namespace salvo::policy {

struct retry_policy {
    int max_attempts = 5;  // counting the first
    backoff_policy backoff;
    duration retry_after_cap = std::chrono::seconds{120};
    bool enabled = true;
};

enum class retry_action {
    done,             // hand back the last outcome as it is
    retry,            // wait `delay`, then send again
    give_up,          // retryable, but `reason` forbids it: hand back the last outcome + reason
    outcome_unknown,  // non-idempotent and maybe applied: the caller reconciles
};

enum class retry_reason {
    final_response,    // done: a response retrying would not change
    not_retryable,     // done: a local failure (cancelled, invalid)
    retryable,         // retry
    not_idempotent,    // outcome_unknown
    disabled,          // give_up: retries are turned off
    max_attempts,      // give_up: max_attempts reached
    deadline,          // give_up: the wait would reach the request's deadline
    budget_exhausted,  // give_up: the origin's retry budget is spent
};

struct retry_decision {
    retry_action action = retry_action::done;
    retry_reason reason = retry_reason::final_response;
    retry_cause cause = retry_cause::none;
    duration delay{0};  // for retry: how long to wait first
    bool delay_from_retry_after = false;
    int budget_cost = 0;  // for retry: tokens taken; pass to retry_budget::on_success
};

struct retry_input {
    classification classified;
    int attempt = 1;  // 1-based number of the attempt that just ended
    time_point now{};
    time_point deadline = no_deadline;
    std::optional<std::chrono::seconds> retry_after;  // honoured when what.throttling
};

// Decides what to do after an attempt. Checks, in order: classification, enabled, attempts,
// delay (Retry-After capped, else full-jitter backoff), deadline, then the budget (last, so
// tokens are only spent on retries that will happen). `budget` may be null (no budget).
// After an outcome_unknown that the caller reconciled as "not applied", call again with
// classify(outcome, /*idempotent=*/true) to get a normal retry decision.
retry_decision decide_retry(const retry_policy& policy, const retry_input& input,
                            retry_budget* budget, rng& random) noexcept;

std::string_view to_string(retry_action value) noexcept;
std::string_view to_string(retry_reason value) noexcept;

}  // namespace salvo::policy
