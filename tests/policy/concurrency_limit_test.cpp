#include <algorithm>
#include <cmath>
#include <queue>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "salvo/policy/concurrency_limit.hpp"
#include "salvo/policy/random.hpp"

using namespace salvo::policy;
using namespace std::chrono_literals;

namespace {

const time_point t0 = time_point{} + 1h;

// A server that serves at most `capacity` requests at once (each for ~rtt) and answers 429 at
// once to any request above that; a client that keeps limit() requests in flight.
struct simulation {
    int capacity = 20;
    duration rtt = 100ms;
    duration throttle_rtt = 10ms;
    bool pass_sent_at = true;
    concurrency_limit_options options{.max = 100};

    // Results.
    long sent = 0;
    long throttled = 0;
    long throttled_after_warmup = 0;
    long sent_after_warmup = 0;
    double mean_limit_after_warmup = 0;  // time-weighted
    int lowest_after_warmup = 1'000'000;
    int highest_after_warmup = 0;
    double worst_window_throttle_share = 0;  // over 1 s windows after warm-up

    // `capacity_at` lets the server's capacity change over time.
    template <class CapacityAt>
    void run(duration length, duration warmup, CapacityAt capacity_at, std::uint64_t seed = 1) {
        struct reply {
            time_point at;
            time_point sent_at;
            bool ok;
            bool operator>(const reply& other) const { return at > other.at; }
        };
        std::priority_queue<reply, std::vector<reply>, std::greater<>> replies;
        concurrency_limit limit{options};
        rng random{seed};
        int in_flight = 0;
        int serving = 0;
        time_point now = t0;
        time_point last = t0;
        double weighted = 0;
        long window_sent = 0;
        long window_throttled = 0;
        time_point window_start = t0 + warmup;
        const time_point end = t0 + length;
        while (now < end) {
            while (in_flight < limit.limit()) {
                ++in_flight;
                ++sent;
                if (now >= t0 + warmup) {
                    ++sent_after_warmup;
                    ++window_sent;
                }
                if (serving >= capacity_at(now - t0)) {
                    replies.push({now + throttle_rtt, now, false});
                } else {
                    ++serving;
                    const auto jitter = uniform_duration(random, rtt / 5);
                    replies.push({now + rtt - rtt / 10 + jitter, now, true});
                }
            }
            const reply next = replies.top();
            replies.pop();
            if (now >= t0 + warmup) {
                weighted += limit.limit() * std::chrono::duration<double>(next.at - now).count();
            }
            now = next.at;
            --in_flight;
            if (next.ok) {
                --serving;
                limit.on_success(now);
            } else {
                ++throttled;
                if (now >= t0 + warmup) {
                    ++throttled_after_warmup;
                    ++window_throttled;
                }
                if (pass_sent_at) {
                    limit.on_throttled(now, next.sent_at);
                } else {
                    limit.on_throttled(now);
                }
            }
            if (now >= t0 + warmup) {
                lowest_after_warmup = std::min(lowest_after_warmup, limit.limit());
                highest_after_warmup = std::max(highest_after_warmup, limit.limit());
                if (now - window_start >= 1s) {
                    if (window_sent > 0) {
                        worst_window_throttle_share =
                            std::max(worst_window_throttle_share,
                                     static_cast<double>(window_throttled) / window_sent);
                    }
                    window_start = now;
                    window_sent = 0;
                    window_throttled = 0;
                }
            }
            last = now;
        }
        mean_limit_after_warmup = weighted / std::chrono::duration<double>(length - warmup).count();
    }

    void run(duration length, duration warmup) {
        run(length, warmup, [this](duration) { return capacity; });
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(adaptive_concurrency)

BOOST_AUTO_TEST_CASE(starts_at_the_configured_maximum) {
    const auto start = [](concurrency_limit_options options) {
        return concurrency_limit{options}.limit();
    };
    BOOST_TEST(start({.max = 16}) == 16);
    BOOST_TEST(start({.max = 16, .initial = 4}) == 4);
    BOOST_TEST(start({.max = 16, .initial = 400}) == 16);
    BOOST_TEST(start({.max = 0}) == 1);
    BOOST_TEST(start({.max = 8, .min = 20}) == 8);
}

BOOST_AUTO_TEST_CASE(a_throttle_cuts_multiplicatively) {
    concurrency_limit limit{{.max = 100}};
    limit.on_throttled(t0);
    BOOST_TEST(limit.limit() == 70);
    limit.on_throttled(t0 + 1s);
    BOOST_TEST(limit.limit() == 49);
}

BOOST_AUTO_TEST_CASE(a_burst_of_throttles_cuts_once) {
    concurrency_limit limit{{.max = 100}};
    for (int i = 0; i < 50; ++i) {
        limit.on_throttled(t0 + i * 1ms);  // all within cut_interval (100 ms)
    }
    BOOST_TEST(limit.limit() == 70);
    limit.on_throttled(t0 + 100ms);
    BOOST_TEST(limit.limit() == 49);
}

BOOST_AUTO_TEST_CASE(throttles_of_requests_sent_before_the_cut_are_ignored) {
    concurrency_limit limit{{.max = 100}};
    limit.on_throttled(t0, t0 - 2s);
    BOOST_TEST(limit.limit() == 70);
    // Sent under the old limit, answered long after: already accounted for.
    limit.on_throttled(t0 + 5s, t0 - 1s);
    BOOST_TEST(limit.limit() == 70);
    // Sent after the cut: the new limit is still too high.
    limit.on_throttled(t0 + 5s, t0 + 1s);
    BOOST_TEST(limit.limit() == 49);
}

BOOST_AUTO_TEST_CASE(grows_by_one_per_limit_many_successes) {
    concurrency_limit limit{{.max = 100, .initial = 10}};
    for (int i = 0; i < 9; ++i) {
        limit.on_success(t0);
    }
    BOOST_TEST(limit.limit() == 10);
    limit.on_success(t0);
    limit.on_success(t0);  // 1/10 + ... slightly under 11 after ten: one more to be sure
    BOOST_TEST(limit.limit() == 11);
    for (int i = 0; i < 12; ++i) {
        limit.on_success(t0);
    }
    BOOST_TEST(limit.limit() == 12);
}

BOOST_AUTO_TEST_CASE(stays_within_bounds) {
    concurrency_limit limit{{.max = 8, .min = 2}};
    for (int i = 0; i < 100; ++i) {
        limit.on_throttled(t0 + i * 1s);
    }
    BOOST_TEST(limit.limit() == 2);
    for (int i = 0; i < 10'000; ++i) {
        limit.on_success(t0);
    }
    BOOST_TEST(limit.limit() == 8);
    BOOST_TEST(limit.exact_limit() == 8.0);
}

BOOST_AUTO_TEST_CASE(nonsense_options_are_made_safe) {
    concurrency_limit limit{{.max = 10, .decrease_ratio = NAN, .increase = -1}};
    BOOST_TEST(limit.options().decrease_ratio == 0.7);
    BOOST_TEST(limit.options().increase == 1.0);
    concurrency_limit harsh{{.max = 10, .decrease_ratio = 0.0}};
    BOOST_TEST(harsh.options().decrease_ratio == 0.1);
}

// The limit settles near the server's capacity and 429s stay rare.
BOOST_AUTO_TEST_CASE(converges_near_a_simulated_servers_capacity) {
    simulation sim;
    sim.run(600s, 30s);
    BOOST_TEST_MESSAGE("sent " << sim.sent << ", throttled " << sim.throttled << ", limit "
                               << sim.lowest_after_warmup << ".." << sim.highest_after_warmup
                               << " mean " << sim.mean_limit_after_warmup << ", worst 1 s window "
                               << sim.worst_window_throttle_share);
    BOOST_TEST(sim.lowest_after_warmup >= 12);   // about 0.7 x 20, never collapsing
    BOOST_TEST(sim.highest_after_warmup <= 22);  // never far above capacity
    BOOST_TEST(sim.mean_limit_after_warmup > 0.75 * sim.capacity);
    BOOST_TEST(sim.mean_limit_after_warmup < 1.05 * sim.capacity);
    // No sustained storm: a few percent overall, and no bad second.
    BOOST_TEST(static_cast<double>(sim.throttled) / sim.sent < 0.03);
    BOOST_TEST(static_cast<double>(sim.throttled_after_warmup) / sim.sent_after_warmup < 0.02);
    BOOST_TEST(sim.worst_window_throttle_share < 0.10);
}

BOOST_AUTO_TEST_CASE(converges_without_send_times_given_a_round_trip_interval) {
    simulation sim;
    sim.pass_sent_at = false;
    sim.options.cut_interval = sim.rtt;
    sim.run(600s, 30s);
    BOOST_TEST(sim.lowest_after_warmup >= 12);
    BOOST_TEST(sim.highest_after_warmup <= 22);
    BOOST_TEST(static_cast<double>(sim.throttled_after_warmup) / sim.sent_after_warmup < 0.03);
}

BOOST_AUTO_TEST_CASE(follows_a_capacity_drop_and_recovery) {
    for (const int capacity : {5, 50}) {
        simulation sim;
        sim.capacity = capacity;
        sim.run(300s, 30s);
        BOOST_TEST_CONTEXT("capacity " << capacity) {
            BOOST_TEST(sim.mean_limit_after_warmup > 0.7 * capacity);
            BOOST_TEST(sim.mean_limit_after_warmup < 1.1 * capacity + 1);
            BOOST_TEST(static_cast<double>(sim.throttled_after_warmup) / sim.sent_after_warmup <
                       0.06);
        }
    }
    // Capacity 40, then 10 from 60 s on: the limit follows it down within seconds.
    simulation sim;
    sim.run(120s, 70s, [](duration since) { return since < 60s ? 40 : 10; });
    BOOST_TEST(sim.highest_after_warmup <= 12);
    BOOST_TEST(sim.lowest_after_warmup >= 6);
    // Capacity 10, then 40: the limit climbs back within seconds.
    simulation grown;
    grown.run(120s, 75s, [](duration since) { return since < 60s ? 10 : 40; });
    BOOST_TEST(grown.lowest_after_warmup >= 26);
    BOOST_TEST(grown.mean_limit_after_warmup > 0.75 * 40);
}

BOOST_AUTO_TEST_CASE(probes_slowly_near_the_last_throttle) {
    concurrency_limit limit{{.max = 100, .initial = 20}};
    limit.on_throttled(t0, t0);  // throttled at 20: cut to 14
    BOOST_TEST(limit.limit() == 14);
    int successes = 0;
    while (limit.limit() < 19) {
        limit.on_success(t0);
        ++successes;
    }
    BOOST_TEST(successes < 90);  // ~14+15+16+17+18: full speed
    successes = 0;
    while (limit.limit() < 20) {
        limit.on_success(t0);
        ++successes;
    }
    BOOST_TEST(successes > 4 * 18);  // the last step below the old ceiling: four times slower
    // Well past the old ceiling the server has grown: full speed again.
    while (limit.limit() < 22) {
        limit.on_success(t0);
    }
    successes = 0;
    while (limit.limit() < 23) {
        limit.on_success(t0);
        ++successes;
    }
    BOOST_TEST(successes <= 23);
}

BOOST_AUTO_TEST_SUITE_END()
