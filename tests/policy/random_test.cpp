#include <algorithm>
#include <concepts>
#include <random>
#include <set>

#include <boost/test/unit_test.hpp>

#include "salvo/policy/random.hpp"

using namespace salvo::policy;
using namespace std::chrono_literals;

static_assert(std::uniform_random_bit_generator<rng>);

BOOST_AUTO_TEST_SUITE(seeded_random)

BOOST_AUTO_TEST_CASE(same_seed_same_sequence) {
    rng a{42};
    rng b{42};
    rng c{43};
    bool all_equal = true;
    bool any_differs_from_c = false;
    for (int i = 0; i < 1000; ++i) {
        const auto x = a();
        all_equal = all_equal && x == b();
        any_differs_from_c = any_differs_from_c || x != c();
    }
    BOOST_TEST(all_equal);
    BOOST_TEST(any_differs_from_c);
}

BOOST_AUTO_TEST_CASE(reseed_restarts_the_sequence) {
    rng a{7};
    const auto first = a();
    a();
    a.reseed(7);
    BOOST_TEST(a() == first);
}

BOOST_AUTO_TEST_CASE(uniform01_is_in_unit_interval_with_mean_one_half) {
    rng random{1};
    double sum = 0;
    double lowest = 1;
    double highest = 0;
    constexpr int draws = 200'000;
    for (int i = 0; i < draws; ++i) {
        const double u = uniform01(random);
        BOOST_REQUIRE(u >= 0.0);
        BOOST_REQUIRE(u < 1.0);
        sum += u;
        lowest = std::min(lowest, u);
        highest = std::max(highest, u);
    }
    BOOST_TEST(sum / draws == 0.5, boost::test_tools::tolerance(0.01));
    BOOST_TEST(lowest < 0.001);
    BOOST_TEST(highest > 0.999);
}

BOOST_AUTO_TEST_CASE(works_with_standard_distributions) {
    rng random{3};
    std::uniform_int_distribution<int> die{1, 6};
    std::set<int> seen;
    for (int i = 0; i < 600; ++i) {
        seen.insert(die(random));
    }
    BOOST_TEST(seen.size() == 6u);
}

BOOST_AUTO_TEST_CASE(uniform_duration_stays_below_its_bound) {
    rng random{5};
    BOOST_TEST(uniform_duration(random, 0ns) == 0ns);
    BOOST_TEST(uniform_duration(random, -5s) == 0ns);
    BOOST_TEST(uniform_duration(random, 1ns) == 0ns);
    for (int i = 0; i < 10'000; ++i) {
        BOOST_REQUIRE(uniform_duration(random, 3ns) < 3ns);
        const auto big = uniform_duration(random, duration::max());
        BOOST_REQUIRE(big >= 0ns);
        BOOST_REQUIRE(big < duration::max());
    }
}

BOOST_AUTO_TEST_SUITE_END()
