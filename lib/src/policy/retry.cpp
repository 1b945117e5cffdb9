#include "salvo/policy/retry.hpp"

#include <algorithm>

namespace salvo::policy {

namespace {

// min(retry_after, cap), compared in seconds so a huge Retry-After cannot overflow nanoseconds.
duration capped(std::chrono::seconds retry_after, duration cap) noexcept {
    if (cap <= duration::zero() || retry_after <= std::chrono::seconds::zero()) {
        return duration::zero();
    }
    if (retry_after > std::chrono::duration_cast<std::chrono::seconds>(cap)) {
        return cap;
    }
    return retry_after;
}

retry_decision finish(retry_action action, retry_reason reason, retry_cause cause) noexcept {
    retry_decision decision;
    decision.action = action;
    decision.reason = reason;
    decision.cause = cause;
    return decision;
}

}  // namespace

retry_decision decide_retry(const retry_policy& policy, const retry_input& input,
                            retry_budget* budget, rng& random) noexcept {
    const retry_cause cause = input.classified.cause;
    switch (input.classified.what) {
        case verdict::done:
            return finish(retry_action::done, retry_reason::final_response, cause);
        case verdict::local_failure:
            return finish(retry_action::done, retry_reason::not_retryable, cause);
        case verdict::outcome_unknown:
            return finish(retry_action::outcome_unknown, retry_reason::not_idempotent, cause);
        case verdict::retryable:
            break;
    }

    if (!policy.enabled) {
        return finish(retry_action::give_up, retry_reason::disabled, cause);
    }
    const int attempt = std::max(input.attempt, 1);
    if (attempt >= policy.max_attempts) {
        return finish(retry_action::give_up, retry_reason::max_attempts, cause);
    }

    retry_decision decision = finish(retry_action::retry, retry_reason::retryable, cause);
    if (input.classified.throttling && input.retry_after &&
        *input.retry_after >= std::chrono::seconds::zero()) {
        decision.delay = capped(*input.retry_after, policy.retry_after_cap);
        decision.delay_from_retry_after = true;
    } else {
        decision.delay = backoff_delay(policy.backoff, attempt - 1, random);
    }

    // Fail now rather than sleep into a deadline no attempt could then meet.
    if (passes_deadline(input.now, decision.delay, input.deadline)) {
        decision.action = retry_action::give_up;
        decision.reason = retry_reason::deadline;
        return decision;
    }

    if (budget != nullptr) {
        decision.budget_cost = budget->try_acquire(cause);
        if (decision.budget_cost == 0) {
            decision.action = retry_action::give_up;
            decision.reason = retry_reason::budget_exhausted;
            return decision;
        }
    }
    return decision;
}

std::string_view to_string(retry_action value) noexcept {
    switch (value) {
        case retry_action::done:
            return "done";
        case retry_action::retry:
            return "retry";
        case retry_action::give_up:
            return "give_up";
        case retry_action::outcome_unknown:
            return "outcome_unknown";
    }
    return "unknown";
}

std::string_view to_string(retry_reason value) noexcept {
    switch (value) {
        case retry_reason::final_response:
            return "final_response";
        case retry_reason::not_retryable:
            return "not_retryable";
        case retry_reason::retryable:
            return "retryable";
        case retry_reason::not_idempotent:
            return "not_idempotent";
        case retry_reason::disabled:
            return "disabled";
        case retry_reason::max_attempts:
            return "max_attempts";
        case retry_reason::deadline:
            return "deadline";
        case retry_reason::budget_exhausted:
            return "budget_exhausted";
    }
    return "unknown";
}

}  // namespace salvo::policy
