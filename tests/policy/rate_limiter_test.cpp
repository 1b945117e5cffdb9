#include <algorithm>
#include <cmath>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "salvo/policy/random.hpp"
#include "salvo/policy/rate_limiter.hpp"

using namespace salvo::policy;
using namespace std::chrono_literals;

namespace {

const time_point t0 = time_point{} + 1h;

}  // namespace

BOOST_AUTO_TEST_SUITE(rate_limiting)

BOOST_AUTO_TEST_CASE(unlimited_never_waits) {
    for (const double rate : {0.0, -1.0, double{NAN}, double{INFINITY}}) {
        rate_limiter limiter{{.rate = rate, .burst = 1}};
        BOOST_TEST(limiter.unlimited());
        for (int i = 0; i < 1000; ++i) {
            BOOST_REQUIRE(limiter.reserve(t0) == 0ns);
        }
    }
}

BOOST_AUTO_TEST_CASE(burst_then_staggered_waits) {
    rate_limiter limiter{{.rate = 10, .burst = 5}};
    for (int i = 0; i < 5; ++i) {
        BOOST_TEST(limiter.reserve(t0) == 0ns);
    }
    // Concurrent callers at the same instant get waits one interval apart.
    for (int i = 1; i <= 20; ++i) {
        BOOST_TEST(limiter.reserve(t0) == i * 100ms);
    }
}

BOOST_AUTO_TEST_CASE(a_burst_below_one_is_one) {
    rate_limiter limiter{{.rate = 2, .burst = 0}};
    BOOST_TEST(limiter.limit().burst == 1.0);
    BOOST_TEST(limiter.reserve(t0) == 0ns);
    BOOST_TEST(limiter.reserve(t0) == 500ms);
}

BOOST_AUTO_TEST_CASE(fractional_rates) {
    rate_limiter limiter{{.rate = 0.5, .burst = 1}};
    BOOST_TEST(limiter.reserve(t0) == 0ns);
    BOOST_TEST(limiter.reserve(t0) == 2s);
    BOOST_TEST(limiter.reserve(t0 + 1s) == 3s);  // queued behind the second, at t0 + 4 s
}

// One caller sending as fast as allowed, 10 r/s with a burst of 5, for 100 simulated seconds.
BOOST_AUTO_TEST_CASE(accurate_over_a_long_run) {
    rate_limiter limiter{{.rate = 10, .burst = 5}};
    const time_point end = t0 + 100s;
    time_point now = t0;
    int sent = 0;
    for (;;) {
        const time_point send_at = now + limiter.reserve(now);
        if (send_at > end) {
            break;
        }
        ++sent;
        now = send_at;
    }
    BOOST_TEST(sent >= 1000);
    BOOST_TEST(sent <= 1000 + 5 + 1);  // the burst at the start, then exactly the rate
}

// Many callers arriving at random (faster than the rate): every 1 s window holds at most
// rate + burst sends, and the total matches the rate.
BOOST_AUTO_TEST_CASE(random_arrivals_never_exceed_rate_plus_burst) {
    constexpr double rate = 25;
    constexpr double burst = 10;
    rate_limiter limiter{{.rate = rate, .burst = burst}};
    rng random{31};
    std::vector<time_point> sends;
    time_point now = t0;
    const time_point end = t0 + 200s;
    while (now < end) {
        now += duration{static_cast<duration::rep>(uniform01(random) * 2.0 / 40.0 * 1e9)};
        sends.push_back(now + limiter.reserve(now));  // ~40 arrivals per second
    }
    std::sort(sends.begin(), sends.end());
    std::size_t first = 0;
    std::size_t worst = 0;
    for (std::size_t last = 0; last < sends.size(); ++last) {
        while (sends[last] - sends[first] >= 1s) {
            ++first;
        }
        worst = std::max(worst, last - first + 1);
    }
    BOOST_TEST(worst <= static_cast<std::size_t>(rate + burst));
    const auto by_end =
        std::count_if(sends.begin(), sends.end(), [&](time_point at) { return at <= end; });
    BOOST_TEST(by_end >= static_cast<long>(rate * 200));
    BOOST_TEST(by_end <= static_cast<long>(rate * 200 + burst + 1));
}

BOOST_AUTO_TEST_CASE(idle_time_refills_up_to_the_burst_only) {
    rate_limiter limiter{{.rate = 10, .burst = 3}};
    for (int i = 0; i < 10; ++i) {
        limiter.reserve(t0);
    }
    BOOST_TEST(limiter.tokens(t0) == -7.0, boost::test_tools::tolerance(1e-9));
    const time_point later = t0 + 1h;
    BOOST_TEST(limiter.tokens(later) == 3.0);
    for (int i = 0; i < 3; ++i) {
        BOOST_TEST(limiter.reserve(later) == 0ns);
    }
    BOOST_TEST(limiter.reserve(later) == 100ms);
}

BOOST_AUTO_TEST_CASE(try_reserve_respects_the_longest_wait) {
    rate_limiter limiter{{.rate = 10, .burst = 1}};
    BOOST_TEST(limiter.try_reserve(t0, 0ns).value() == 0ns);
    BOOST_TEST(limiter.try_reserve(t0, 100ms).value() == 100ms);
    BOOST_TEST(!limiter.try_reserve(t0, 199ms).has_value());  // 200 ms needed: nothing taken
    BOOST_TEST(limiter.try_reserve(t0, 200ms).value() == 200ms);
}

BOOST_AUTO_TEST_CASE(a_cancelled_reservation_is_given_back) {
    rate_limiter limiter{{.rate = 10, .burst = 1}};
    limiter.reserve(t0);
    BOOST_TEST(limiter.reserve(t0) == 100ms);
    limiter.cancel_reservation();
    BOOST_TEST(limiter.reserve(t0) == 100ms);
    // Never above the burst.
    limiter.cancel_reservation();
    limiter.cancel_reservation();
    limiter.cancel_reservation();
    BOOST_TEST(limiter.tokens(t0) == 1.0);
}

BOOST_AUTO_TEST_CASE(a_clock_going_backwards_does_not_mint_tokens) {
    rate_limiter limiter{{.rate = 10, .burst = 1}};
    limiter.reserve(t0 + 10s);
    BOOST_TEST(limiter.reserve(t0) == 100ms);
    BOOST_TEST(limiter.reserve(t0 + 10s) == 200ms);
}

BOOST_AUTO_TEST_SUITE_END()
