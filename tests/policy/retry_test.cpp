#include <boost/test/unit_test.hpp>

#include "printing.hpp"
#include "salvo/policy/retry.hpp"

using namespace salvo::policy;
using namespace std::chrono_literals;

namespace {

const time_point t0 = time_point{} + 1h;

retry_input after(const attempt_outcome& outcome, bool idempotent, int attempt,
                  time_point deadline = no_deadline) {
    return {.classified = classify(outcome, idempotent),
            .attempt = attempt,
            .now = t0,
            .deadline = deadline,
            .retry_after = outcome.retry_after};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(retry_decisions)

BOOST_AUTO_TEST_CASE(defaults) {
    const retry_policy policy;
    BOOST_TEST(policy.max_attempts == 5);
    BOOST_TEST(policy.retry_after_cap == 120s);
    BOOST_TEST(policy.enabled);
    BOOST_TEST(policy.backoff.base == 100ms);
}

BOOST_AUTO_TEST_CASE(final_responses_are_done) {
    rng random;
    retry_budget budget;
    for (const int status : {200, 201, 404, 409, 501}) {
        const auto d =
            decide_retry({}, after(attempt_outcome::http(status), false, 1), &budget, random);
        BOOST_TEST(d.action == retry_action::done);
        BOOST_TEST(d.reason == retry_reason::final_response);
        BOOST_TEST(d.delay == 0ns);
    }
    BOOST_TEST(budget.available() == budget.capacity());
}

BOOST_AUTO_TEST_CASE(local_failures_are_never_retried) {
    rng random;
    const auto d = decide_retry({}, after(attempt_outcome::local(), true, 1), nullptr, random);
    BOOST_TEST(d.action == retry_action::done);
    BOOST_TEST(d.reason == retry_reason::not_retryable);
}

BOOST_AUTO_TEST_CASE(ambiguous_non_idempotent_outcomes_are_left_to_the_caller) {
    rng random;
    retry_budget budget;
    for (const auto& outcome :
         {attempt_outcome::http(500), attempt_outcome::http(503, 1s),
          attempt_outcome::lost_after_send(), attempt_outcome::timeout_after_send()}) {
        const auto d = decide_retry({}, after(outcome, false, 1), &budget, random);
        BOOST_TEST(d.action == retry_action::outcome_unknown);
        BOOST_TEST(d.reason == retry_reason::not_idempotent);
        BOOST_TEST(d.cause == classify(outcome, false).cause);
        BOOST_TEST(d.budget_cost == 0);
    }
    BOOST_TEST(budget.available() == budget.capacity());
    // Once the caller has checked that the request was not applied, it is a normal retry.
    const auto d =
        decide_retry({}, after(attempt_outcome::lost_after_send(), true, 1), &budget, random);
    BOOST_TEST(d.action == retry_action::retry);
}

BOOST_AUTO_TEST_CASE(the_same_outcomes_are_retried_when_idempotent) {
    rng random;
    for (const auto& outcome :
         {attempt_outcome::not_sent(), attempt_outcome::http(429), attempt_outcome::http(408),
          attempt_outcome::http(500), attempt_outcome::http(502), attempt_outcome::http(503),
          attempt_outcome::http(504), attempt_outcome::lost_after_send(),
          attempt_outcome::timeout_after_send()}) {
        const auto d = decide_retry({}, after(outcome, true, 1), nullptr, random);
        BOOST_TEST(d.action == retry_action::retry);
        BOOST_TEST(d.reason == retry_reason::retryable);
        BOOST_TEST(d.delay < 100ms);  // first retry: U(0, base)
    }
}

BOOST_AUTO_TEST_CASE(max_attempts_counts_the_first) {
    rng random;
    const retry_policy policy;
    int attempts = 1;
    for (;; ++attempts) {
        const auto d = decide_retry(policy, after(attempt_outcome::http(503), true, attempts),
                                    nullptr, random);
        if (d.action != retry_action::retry) {
            BOOST_TEST(d.action == retry_action::give_up);
            BOOST_TEST(d.reason == retry_reason::max_attempts);
            BOOST_TEST(d.cause == retry_cause::server_error);
            break;
        }
        BOOST_TEST(d.delay < backoff_ceiling(policy.backoff, attempts - 1));
    }
    BOOST_TEST(attempts == 5);

    retry_policy once;
    once.max_attempts = 1;
    BOOST_TEST(
        decide_retry(once, after(attempt_outcome::not_sent(), true, 1), nullptr, random).reason ==
        retry_reason::max_attempts);
    once.max_attempts = 0;
    BOOST_TEST(
        decide_retry(once, after(attempt_outcome::not_sent(), true, 1), nullptr, random).reason ==
        retry_reason::max_attempts);
    // A nonsense attempt number counts as the first.
    BOOST_TEST(
        decide_retry({}, after(attempt_outcome::not_sent(), true, -3), nullptr, random).action ==
        retry_action::retry);
}

BOOST_AUTO_TEST_CASE(turned_off_per_request) {
    rng random;
    retry_policy off;
    off.enabled = false;
    const auto d = decide_retry(off, after(attempt_outcome::http(429), true, 1), nullptr, random);
    BOOST_TEST(d.action == retry_action::give_up);
    BOOST_TEST(d.reason == retry_reason::disabled);
    // Still says when a non-idempotent outcome is unknown: that is information, not a retry.
    BOOST_TEST(
        decide_retry(off, after(attempt_outcome::lost_after_send(), false, 1), nullptr, random)
            .action == retry_action::outcome_unknown);
}

BOOST_AUTO_TEST_CASE(retry_after_replaces_the_backoff) {
    rng random;
    for (const auto& outcome : {attempt_outcome::http(429, 7s), attempt_outcome::http(503, 7s)}) {
        const auto d = decide_retry({}, after(outcome, true, 1), nullptr, random);
        BOOST_TEST(d.action == retry_action::retry);
        BOOST_TEST(d.delay == 7s);
        BOOST_TEST(d.delay_from_retry_after);
    }
    // Even when shorter than the backoff would be.
    const auto zero =
        decide_retry({}, after(attempt_outcome::http(429, 0s), true, 4), nullptr, random);
    BOOST_TEST(zero.delay == 0ns);
    BOOST_TEST(zero.delay_from_retry_after);
}

BOOST_AUTO_TEST_CASE(retry_after_is_only_honoured_on_throttling_statuses) {
    rng random;
    const auto d =
        decide_retry({}, after(attempt_outcome::http(500, 7s), true, 1), nullptr, random);
    BOOST_TEST(d.action == retry_action::retry);
    BOOST_TEST(d.delay < 100ms);
    BOOST_TEST(!d.delay_from_retry_after);
}

BOOST_AUTO_TEST_CASE(retry_after_is_capped) {
    rng random;
    const auto d =
        decide_retry({}, after(attempt_outcome::http(429, 3600s), true, 1), nullptr, random);
    BOOST_TEST(d.delay == 120s);
    retry_policy short_cap;
    short_cap.retry_after_cap = 1500ms;
    BOOST_TEST(
        decide_retry(short_cap, after(attempt_outcome::http(429, 2s), true, 1), nullptr, random)
            .delay == 1500ms);
    BOOST_TEST(
        decide_retry(short_cap, after(attempt_outcome::http(429, 1s), true, 1), nullptr, random)
            .delay == 1s);
    // No overflow on absurd values handed in directly.
    BOOST_TEST(decide_retry({},
                            after(attempt_outcome::http(429, std::chrono::seconds::max()), true, 1),
                            nullptr, random)
                   .delay == 120s);
    // A negative value (not from parse_retry_after) is ignored: back to the backoff.
    const auto negative =
        decide_retry({}, after(attempt_outcome::http(429, -5s), true, 1), nullptr, random);
    BOOST_TEST(!negative.delay_from_retry_after);
}

BOOST_AUTO_TEST_CASE(a_wait_past_the_deadline_gives_up_now) {
    rng random;
    retry_budget budget;
    const auto d =
        decide_retry({}, after(attempt_outcome::http(429, 10s), true, 1, t0 + 5s), &budget, random);
    BOOST_TEST(d.action == retry_action::give_up);
    BOOST_TEST(d.reason == retry_reason::deadline);
    BOOST_TEST(d.delay == 10s);  // what the server asked for, for the error message
    BOOST_TEST(budget.available() == budget.capacity());  // no token spent on it

    // The same Retry-After within the deadline is honoured.
    BOOST_TEST(
        decide_retry({}, after(attempt_outcome::http(429, 10s), true, 1, t0 + 11s), &budget, random)
            .action == retry_action::retry);
    // Reaching the deadline exactly leaves no time for the attempt.
    BOOST_TEST(
        decide_retry({}, after(attempt_outcome::http(429, 10s), true, 1, t0 + 10s), nullptr, random)
            .reason == retry_reason::deadline);
    // A deadline already passed.
    BOOST_TEST(
        decide_retry({}, after(attempt_outcome::not_sent(), true, 1, t0 - 1ms), nullptr, random)
            .reason == retry_reason::deadline);
}

BOOST_AUTO_TEST_CASE(the_backoff_counts_against_the_deadline) {
    rng random{8};
    retry_policy policy;
    policy.backoff = {1s, 1s};
    int gave_up = 0;
    int retried = 0;
    for (int i = 0; i < 1000; ++i) {
        const auto d = decide_retry(policy, after(attempt_outcome::not_sent(), true, 2, t0 + 500ms),
                                    nullptr, random);
        if (d.action == retry_action::retry) {
            ++retried;
            BOOST_REQUIRE(d.delay < 500ms);
        } else {
            ++gave_up;
            BOOST_REQUIRE(d.reason == retry_reason::deadline);
            BOOST_REQUIRE(d.delay >= 500ms);
        }
    }
    // U(0, 1 s) against 500 ms: about half each way.
    BOOST_TEST(retried > 400);
    BOOST_TEST(gave_up > 400);
}

BOOST_AUTO_TEST_CASE(an_empty_budget_stops_retries) {
    rng random;
    retry_budget budget{{.capacity = 10}};
    const auto first =
        decide_retry({}, after(attempt_outcome::http(503), true, 1), &budget, random);
    BOOST_TEST(first.action == retry_action::retry);
    BOOST_TEST(first.budget_cost == 5);
    BOOST_TEST(
        decide_retry({}, after(attempt_outcome::http(503), true, 1), &budget, random).action ==
        retry_action::retry);
    const auto third =
        decide_retry({}, after(attempt_outcome::http(503), true, 1), &budget, random);
    BOOST_TEST(third.action == retry_action::give_up);
    BOOST_TEST(third.reason == retry_reason::budget_exhausted);
    BOOST_TEST(third.budget_cost == 0);
    // A success that needed a retry refunds that retry.
    budget.on_success(first.budget_cost);
    BOOST_TEST(
        decide_retry({}, after(attempt_outcome::http(503), true, 1), &budget, random).action ==
        retry_action::retry);
}

// A server that always answers 500: retries stop when the budget is spent, far below
// requests x max_attempts.
BOOST_AUTO_TEST_CASE(an_outage_does_not_multiply_the_load) {
    rng random{21};
    retry_budget budget;
    const retry_policy policy;
    constexpr int requests = 1000;
    int attempts_sent = 0;
    int exhausted = 0;
    for (int r = 0; r < requests; ++r) {
        for (int attempt = 1;; ++attempt) {
            ++attempts_sent;
            const auto d = decide_retry(policy, after(attempt_outcome::http(500), true, attempt),
                                        &budget, random);
            if (d.action != retry_action::retry) {
                exhausted += d.reason == retry_reason::budget_exhausted ? 1 : 0;
                break;
            }
        }
    }
    BOOST_TEST(attempts_sent == requests + 500 / 5);  // the capacity buys 100 retries, no more
    BOOST_TEST(exhausted > 950);
}

BOOST_AUTO_TEST_CASE(deterministic_for_a_seed) {
    rng a{5};
    rng b{5};
    for (int attempt = 1; attempt < 5; ++attempt) {
        BOOST_TEST(
            decide_retry({}, after(attempt_outcome::not_sent(), true, attempt), nullptr, a).delay ==
            decide_retry({}, after(attempt_outcome::not_sent(), true, attempt), nullptr, b).delay);
    }
}

BOOST_AUTO_TEST_CASE(names) {
    BOOST_TEST(to_string(retry_action::outcome_unknown) == "outcome_unknown");
    BOOST_TEST(to_string(retry_action::give_up) == "give_up");
    BOOST_TEST(to_string(retry_reason::budget_exhausted) == "budget_exhausted");
    BOOST_TEST(to_string(retry_reason::deadline) == "deadline");
    BOOST_TEST(to_string(static_cast<retry_reason>(-1)) == "unknown");
}

BOOST_AUTO_TEST_SUITE_END()
