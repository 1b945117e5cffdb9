#include <array>
#include <climits>

#include <boost/test/unit_test.hpp>

#include "salvo/policy/backoff.hpp"

using namespace salvo::policy;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(backoff)

BOOST_AUTO_TEST_CASE(defaults_are_100ms_and_20s) {
    const backoff_policy policy;
    BOOST_TEST(policy.base == 100ms);
    BOOST_TEST(policy.cap == 20s);
}

BOOST_AUTO_TEST_CASE(ceiling_doubles_until_the_cap) {
    const backoff_policy policy;
    BOOST_TEST(backoff_ceiling(policy, 0) == 100ms);
    BOOST_TEST(backoff_ceiling(policy, 1) == 200ms);
    BOOST_TEST(backoff_ceiling(policy, 2) == 400ms);
    BOOST_TEST(backoff_ceiling(policy, 7) == 12800ms);
    BOOST_TEST(backoff_ceiling(policy, 8) == 20s);
    BOOST_TEST(backoff_ceiling(policy, 9) == 20s);
}

BOOST_AUTO_TEST_CASE(ceiling_is_overflow_safe) {
    const backoff_policy policy;
    for (const int retry : {30, 61, 62, 63, 64, 100, 1000, INT_MAX}) {
        BOOST_TEST(backoff_ceiling(policy, retry) == 20s);
    }
    const backoff_policy unbounded{1ns, duration::max()};
    BOOST_TEST(backoff_ceiling(unbounded, 61) == duration{1LL << 61});
    BOOST_TEST(backoff_ceiling(unbounded, 62) == duration::max());
    BOOST_TEST(backoff_ceiling(unbounded, INT_MAX) == duration::max());
    const backoff_policy huge_base{duration::max() / 2 + 1ns, duration::max()};
    BOOST_TEST(backoff_ceiling(huge_base, 1) == duration::max());
}

BOOST_AUTO_TEST_CASE(odd_settings_stay_sane) {
    BOOST_TEST(backoff_ceiling(backoff_policy{}, -5) == 100ms);
    BOOST_TEST(backoff_ceiling(backoff_policy{}, INT_MIN) == 100ms);
    BOOST_TEST(backoff_ceiling(backoff_policy{5s, 1s}, 0) == 1s);  // base above cap
    BOOST_TEST(backoff_ceiling(backoff_policy{0ns, 1s}, 3) == 0ns);
    BOOST_TEST(backoff_ceiling(backoff_policy{-1s, 1s}, 3) == 0ns);
    BOOST_TEST(backoff_ceiling(backoff_policy{1s, 0ns}, 3) == 0ns);
    rng random{1};
    BOOST_TEST(backoff_delay(backoff_policy{0ns, 0ns}, 3, random) == 0ns);
}

BOOST_AUTO_TEST_CASE(delay_is_within_zero_and_the_ceiling) {
    const backoff_policy policy;
    rng random{11};
    for (int retry = 0; retry < 100; ++retry) {
        const auto ceiling = backoff_ceiling(policy, retry);
        for (int i = 0; i < 1000; ++i) {
            const auto delay = backoff_delay(policy, retry, random);
            BOOST_REQUIRE(delay >= 0ns);
            BOOST_REQUIRE(delay < ceiling);
            BOOST_REQUIRE(delay < policy.cap);
        }
    }
}

BOOST_AUTO_TEST_CASE(full_jitter_is_uniform_at_the_cap) {
    const backoff_policy policy;
    rng random{12};
    constexpr int draws = 100'000;
    std::array<int, 10> deciles{};
    double sum_seconds = 0;
    for (int i = 0; i < draws; ++i) {
        const auto delay = backoff_delay(policy, 50, random);
        sum_seconds += std::chrono::duration<double>(delay).count();
        ++deciles[static_cast<std::size_t>(delay * 10 / policy.cap)];
    }
    // Mean of U(0, 20 s) is 10 s; its standard error here is ~0.02 s.
    BOOST_TEST(sum_seconds / draws == 10.0, boost::test_tools::tolerance(0.01));
    for (const int count : deciles) {
        BOOST_TEST(static_cast<double>(count) == draws / 10.0, boost::test_tools::tolerance(0.05));
    }
}

BOOST_AUTO_TEST_CASE(full_jitter_mean_follows_the_ceiling) {
    const backoff_policy policy;
    rng random{13};
    for (int retry = 0; retry < 10; ++retry) {
        const auto ceiling = std::chrono::duration<double>(backoff_ceiling(policy, retry)).count();
        double sum = 0;
        constexpr int draws = 20'000;
        for (int i = 0; i < draws; ++i) {
            sum += std::chrono::duration<double>(backoff_delay(policy, retry, random)).count();
        }
        BOOST_TEST_CONTEXT("retry " << retry) {
            BOOST_TEST(sum / draws == ceiling / 2, boost::test_tools::tolerance(0.02));
        }
    }
}

BOOST_AUTO_TEST_CASE(seeded_delays_replay) {
    rng a{99};
    rng b{99};
    for (int retry = 0; retry < 20; ++retry) {
        BOOST_TEST(backoff_delay(backoff_policy{}, retry, a) ==
                   backoff_delay(backoff_policy{}, retry, b));
    }
}

BOOST_AUTO_TEST_SUITE_END()
