// The resilience policies wired into the engine, against servers that fail on purpose.
#include "support/run.hpp"
#include "support/test_server.hpp"

#include <salvo/http/client.hpp>
#include <salvo/policy/classification.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <mutex>
#include <vector>

namespace asio = boost::asio;
using namespace salvo;
using namespace salvo::testing;
using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

namespace {

// Records when each request arrived, server-side.
struct arrivals {
    std::mutex mutex;
    std::vector<steady::time_point> at;
    std::size_t note() {
        std::lock_guard lock(mutex);
        at.push_back(steady::now());
        return at.size();
    }
    steady::duration gap(std::size_t i) {
        std::lock_guard lock(mutex);
        return at.at(i + 1) - at.at(i);
    }
};

reply status(unsigned code) {
    reply r = reply::ok(R"({"message":"try again"})");
    r.status = code;
    return r;
}

std::uint64_t retries_of(const http::metrics_snapshot& m, policy::retry_cause cause) {
    return m.retries[static_cast<std::size_t>(cause)];
}

}  // namespace

BOOST_AUTO_TEST_SUITE(retries)

BOOST_AUTO_TEST_CASE(server_errors_are_retried_with_backoff_in_bounds) {
    arrivals seen;
    test_server server(
        [&](const seen_request&) { return seen.note() <= 2 ? status(503) : reply::ok("done"); });
    asio::io_context io;
    http::client_options options;
    options.retry.backoff.base = 50ms;
    http::client client(io.get_executor(), options);
    auto [ec, res] = run(io, send(client, get(server.url())));
    BOOST_TEST_REQUIRE(!ec, res.diagnostic);
    BOOST_TEST(res.status == 200u);
    BOOST_TEST(res.body == "done");
    BOOST_TEST(server.requests() == 3u);
    // Full jitter: the n-th retry waits U(0, base * 2^n); allow generous scheduling slack.
    BOOST_TEST((seen.gap(0) <= 50ms + 500ms));
    BOOST_TEST((seen.gap(1) <= 100ms + 500ms));
    const auto m = client.metrics();
    BOOST_TEST(retries_of(m, policy::retry_cause::server_error) == 2u);
    BOOST_TEST(m.failures == 0u);
}

BOOST_AUTO_TEST_CASE(retry_after_is_honoured) {
    arrivals seen;
    test_server server([&](const seen_request&) {
        if (seen.note() == 1) {
            reply r = status(429);
            r.headers.emplace_back("Retry-After", "1");
            return r;
        }
        return reply::ok();
    });
    asio::io_context io;
    http::client client(io.get_executor());
    auto [ec, res] = run(io, send(client, post(server.url("/instances"), "{}")));
    BOOST_TEST_REQUIRE(!ec, res.diagnostic);
    BOOST_TEST(res.status == 200u);
    BOOST_TEST(server.requests() == 2u);  // 429 is retried even for a POST: it was refused
    BOOST_TEST((seen.gap(0) >= 1s));
    BOOST_TEST(retries_of(client.metrics(), policy::retry_cause::throttled) == 1u);
    BOOST_TEST(client.metrics().retry_wait_us >= 1'000'000u);
}

BOOST_AUTO_TEST_CASE(a_retry_after_beyond_the_deadline_fails_at_once) {
    test_server server([&](const seen_request&) {
        reply r = status(503);
        r.headers.emplace_back("Retry-After", "60");
        return r;
    });
    asio::io_context io;
    http::client client(io.get_executor());
    auto req = get(server.url());
    req.timeout = 5s;
    const auto start = steady::now();
    auto [ec, res] = run(io, send(client, std::move(req)));
    BOOST_TEST(ec == http::error::retry_deadline);
    BOOST_TEST(res.status == 503u);  // the last answer is kept for the caller
    BOOST_TEST((steady::now() - start < 4s));
    BOOST_TEST(server.requests() == 1u);
}

BOOST_AUTO_TEST_CASE(the_retry_budget_stops_a_retry_storm) {
    test_server server([](const seen_request&) { return status(500); });
    asio::io_context io;
    http::client_options options;
    options.retry.backoff.base = 1ms;
    options.retry.backoff.cap = 2ms;
    options.max_connections_per_origin = 16;
    http::client client(io.get_executor(), options);
    constexpr std::size_t requests = 300;
    std::size_t done = 0;
    for (std::size_t i = 0; i < requests; ++i) {
        client.async_send(get(server.url()), [&](boost::system::error_code ec, http::response res) {
            BOOST_TEST(!ec);
            BOOST_TEST(res.status == 500u);
            ++done;
        });
    }
    io.run();
    BOOST_TEST(done == requests);
    // Without a budget: 300 x 5 = 1500 requests. The budget (500 tokens, 5 a retry) allows 100.
    BOOST_TEST(server.requests() <= requests + 100);
    BOOST_TEST(server.requests() < requests * 5 / 2);
    BOOST_TEST(client.metrics().retries_given_up > 0u);
}

BOOST_AUTO_TEST_CASE(a_lost_connection_is_retried_for_get_but_not_for_post) {
    std::atomic<int> n{0};
    test_server server([&](const seen_request&) {
        return ++n % 2 == 1 ? reply::of(reply::kind::close) : reply::ok("second");
    });
    asio::io_context io;
    http::client client(io.get_executor());
    auto [ec, res] = run(io, send(client, get(server.url())));
    BOOST_TEST_REQUIRE(!ec, res.diagnostic);
    BOOST_TEST(res.body == "second");
    BOOST_TEST(server.requests() == 2u);
    auto [ec2, res2] = run(io, send(client, post(server.url("/instances"), "{}")));
    BOOST_TEST(ec2 == http::error::connection_lost);
    BOOST_TEST((res2.delivery == http::delivery::sent));
    BOOST_TEST(server.requests() == 3u);  // the POST was not repeated
}

BOOST_AUTO_TEST_CASE(retries_can_be_turned_off_per_request) {
    test_server server([](const seen_request&) { return status(503); });
    asio::io_context io;
    http::client client(io.get_executor());
    auto req = get(server.url());
    req.retry = false;
    auto [ec, res] = run(io, send(client, std::move(req)));
    BOOST_TEST(!ec);
    BOOST_TEST(res.status == 503u);
    BOOST_TEST(server.requests() == 1u);
}

BOOST_AUTO_TEST_CASE(the_rate_limit_spaces_requests) {
    arrivals seen;
    test_server server([&](const seen_request&) {
        seen.note();
        return reply::ok();
    });
    asio::io_context io;
    http::client_options options;
    options.rate = {20.0, 1.0};  // 20 requests/s, no burst
    http::client client(io.get_executor(), options);
    std::size_t done = 0;
    for (int i = 0; i < 11; ++i) {
        client.async_send(get(server.url()), [&](boost::system::error_code ec, http::response) {
            BOOST_TEST(!ec);
            ++done;
        });
    }
    io.run();
    BOOST_TEST(done == 11u);
    // 11 requests at 20/s: the last starts no sooner than 500 ms after the first.
    std::lock_guard lock(seen.mutex);
    BOOST_TEST((seen.at.back() - seen.at.front() >= 450ms));
    BOOST_TEST(client.metrics().rate_wait_us > 0u);
}

// The server takes 4 requests at a time (each 5 ms) and answers 429 beyond that.
struct throttling_server {
    std::atomic<int> throttled{0};
    test_server* self = nullptr;
    test_server server{[this](const seen_request&) {
                           if (self->active_requests() > 4) {
                               ++throttled;
                               return status(429);
                           }
                           reply r = reply::ok();
                           r.delay = 5ms;
                           return r;
                       },
                       std::nullopt, 2};
    throttling_server() { self = &server; }
};

// Sends `n` GETs with up to 32 in flight; returns how many were throttled.
int throttled_requests(bool adaptive, int n) {
    throttling_server s;
    asio::io_context io;
    http::client_options options;
    options.max_connections_per_origin = 32;
    options.adaptive_concurrency = adaptive;
    options.retry.backoff.base = 5ms;
    options.retry.max_attempts = 50;
    options.retry_budget = false;
    options.seed = 42;
    http::client client(io.get_executor(), options);
    int ok = 0;
    for (int i = 0; i < n; ++i) {
        client.async_send(get(s.server.url()),
                          [&](boost::system::error_code ec, http::response res) {
                              ok += !ec && res.status == 200;
                          });
    }
    io.run();
    BOOST_TEST(ok == n);
    return s.throttled.load();
}

BOOST_AUTO_TEST_CASE(adaptive_concurrency_backs_off_a_throttling_server) {
    const int fixed = throttled_requests(false, 400);
    const int adaptive = throttled_requests(true, 400);
    BOOST_TEST_MESSAGE("429s: fixed concurrency " << fixed << ", adaptive " << adaptive);
    BOOST_TEST(adaptive * 2 < fixed);
}

BOOST_AUTO_TEST_SUITE_END()
