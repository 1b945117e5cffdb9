#include <boost/test/unit_test.hpp>

#include "salvo/policy/random.hpp"
#include "salvo/policy/retry_budget.hpp"

using namespace salvo::policy;

BOOST_AUTO_TEST_SUITE(budget)

BOOST_AUTO_TEST_CASE(starts_full_with_aws_defaults) {
    const retry_budget budget;
    BOOST_TEST(budget.capacity() == 500);
    BOOST_TEST(budget.available() == 500);
    BOOST_TEST(budget.cost(retry_cause::server_error) == 5);
    BOOST_TEST(budget.cost(retry_cause::throttled) == 5);
    BOOST_TEST(budget.cost(retry_cause::not_sent) == 5);
    BOOST_TEST(budget.cost(retry_cause::timeout) == 10);
}

BOOST_AUTO_TEST_CASE(exhaustion) {
    retry_budget budget;
    int granted = 0;
    while (budget.try_acquire(retry_cause::server_error) > 0) {
        ++granted;
    }
    BOOST_TEST(granted == 100);
    BOOST_TEST(budget.available() == 0);
    BOOST_TEST(budget.try_acquire(retry_cause::server_error) == 0);
    BOOST_TEST(budget.available() == 0);  // a refusal costs nothing
}

BOOST_AUTO_TEST_CASE(timeouts_cost_double) {
    retry_budget budget;
    int granted = 0;
    while (budget.try_acquire(retry_cause::timeout) > 0) {
        ++granted;
    }
    BOOST_TEST(granted == 50);
}

BOOST_AUTO_TEST_CASE(a_cheap_retry_can_pass_when_an_expensive_one_cannot) {
    retry_budget budget{{.capacity = 7}};
    BOOST_TEST(budget.try_acquire(retry_cause::timeout) == 0);
    BOOST_TEST(budget.try_acquire(retry_cause::lost_after_send) == 5);
    BOOST_TEST(budget.available() == 2);
}

BOOST_AUTO_TEST_CASE(successes_refill) {
    retry_budget budget;
    while (budget.try_acquire(retry_cause::server_error) > 0) {
    }
    // First-attempt successes earn one token each: five buy a retry.
    for (int i = 0; i < 4; ++i) {
        budget.on_success();
    }
    BOOST_TEST(budget.try_acquire(retry_cause::server_error) == 0);
    budget.on_success();
    BOOST_TEST(budget.try_acquire(retry_cause::server_error) == 5);
    // A retried request that succeeds gives back what its retry took.
    budget.on_success(5);
    BOOST_TEST(budget.available() == 5);
    budget.on_success(10);
    BOOST_TEST(budget.available() == 15);
}

BOOST_AUTO_TEST_CASE(never_above_capacity) {
    retry_budget budget;
    for (int i = 0; i < 1000; ++i) {
        budget.on_success();
    }
    BOOST_TEST(budget.available() == 500);
    budget.try_acquire(retry_cause::timeout);
    budget.on_success(2'000'000'000);
    BOOST_TEST(budget.available() == 500);
}

BOOST_AUTO_TEST_CASE(nonsense_options_are_made_safe) {
    retry_budget budget{
        {.capacity = -3, .retry_cost = 0, .timeout_retry_cost = -1, .success_refill = -2}};
    BOOST_TEST(budget.capacity() == 0);
    BOOST_TEST(budget.cost(retry_cause::server_error) == 1);
    BOOST_TEST(budget.cost(retry_cause::timeout) == 1);
    BOOST_TEST(budget.try_acquire(retry_cause::server_error) == 0);
    budget.on_success();
    BOOST_TEST(budget.available() == 0);
}

// When most requests fail, retries become a small fraction; when few fail, all are retried.
BOOST_AUTO_TEST_CASE(bites_only_when_most_requests_fail) {
    const auto run = [](double failure_rate, int& retries, int& refused) {
        retry_budget budget;
        rng random{77};
        retries = 0;
        refused = 0;
        for (int request = 0; request < 20'000; ++request) {
            int last_cost = 0;
            bool succeeded = false;
            for (int attempt = 1; attempt <= 5; ++attempt) {
                if (uniform01(random) >= failure_rate) {
                    succeeded = true;
                    break;
                }
                if (attempt == 5) {
                    break;
                }
                last_cost = budget.try_acquire(retry_cause::server_error);
                if (last_cost == 0) {
                    ++refused;
                    break;
                }
                ++retries;
            }
            if (succeeded) {
                budget.on_success(last_cost);
            }
        }
    };
    int retries = 0;
    int refused = 0;
    run(0.05, retries, refused);
    BOOST_TEST(refused == 0);
    BOOST_TEST(retries > 900);  // ~5% of 20000, all retried
    run(0.9, retries, refused);
    // 2000 successes refill ~2000 tokens (+500 to start): ~500 retries of 18000 failures.
    BOOST_TEST(retries < 20'000 / 20);
    BOOST_TEST(refused > 15'000);
}

BOOST_AUTO_TEST_SUITE_END()
