// The engine against real sockets on 127.0.0.1: pooling, keep-alive, failures, limits,
// cancellation and threading.
#include "support/run.hpp"
#include "support/test_server.hpp"

#include <salvo/http/client.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using namespace salvo;
using namespace salvo::testing;
using namespace std::chrono_literals;
using boost::system::error_code;

namespace {

// Starts `count` requests on `io`, runs it, and collects every result.
template <class Make>
std::vector<result> send_concurrently(asio::io_context& io, http::client& client, std::size_t count,
                                      Make make) {
    std::vector<result> results(count);
    std::size_t done = 0;
    for (std::size_t i = 0; i < count; ++i) {
        client.async_send(make(i), [&results, &done, i](error_code ec, http::response res) {
            results[i] = {ec, std::move(res)};
            ++done;
        });
    }
    io.restart();
    io.run();
    BOOST_REQUIRE_EQUAL(done, count);
    return results;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(pool)

BOOST_AUTO_TEST_CASE(cap_is_never_exceeded_and_requests_queue_instead_of_failing) {
    test_server server([](const seen_request&) {
        reply r = reply::ok(R"({"id":1})");
        r.delay = 2ms;  // keep requests overlapping so the pool fills up
        return r;
    });
    asio::io_context io;
    http::client_options options;
    options.max_connections_per_origin = 8;
    http::client client(io.get_executor(), options);
    auto results =
        send_concurrently(io, client, 200, [&](std::size_t) { return get(server.url("/x")); });
    for (auto& [ec, res] : results) {
        BOOST_TEST_REQUIRE(!ec, ec.message() << ": " << res.diagnostic);
        BOOST_TEST(res.status == 200u);
        BOOST_TEST(res.body == R"({"id":1})");
    }
    BOOST_TEST(server.requests() == 200u);
    BOOST_TEST(server.max_concurrent_connections() <= 8u);
    BOOST_TEST(server.max_concurrent_requests() <= 8u);
    BOOST_TEST(server.connections() <= 8u);
    const auto m = client.metrics();
    BOOST_TEST(m.requests == 200u);
    BOOST_TEST(m.failures == 0u);
    BOOST_TEST(m.connections_opened <= 8u);
    BOOST_TEST(m.connections_opened + m.connections_reused == 200u);
}

BOOST_AUTO_TEST_CASE(waiting_for_a_connection_is_bounded_by_the_request_timeout) {
    test_server server([](const seen_request& r) {
        return r.target == "/slow" ? reply::of(reply::kind::hang) : reply::ok();
    });
    asio::io_context io;
    http::client_options options;
    options.max_connections_per_origin = 1;
    options.attempt_timeout = 2s;
    options.retry.enabled = false;
    http::client client(io.get_executor(), options);
    auto results = send_concurrently(io, client, 2, [&](std::size_t i) {
        auto req = get(server.url(i == 0 ? "/slow" : "/fast"));
        req.timeout = i == 0 ? 2s : 100ms;
        return req;
    });
    auto& [ec_slow, slow] = results[0];
    auto& [ec_fast, fast] = results[1];
    BOOST_TEST(ec_slow == http::error::response_timeout);
    BOOST_TEST(ec_fast == http::error::pool_timeout);
    BOOST_TEST((fast.delivery == http::delivery::not_sent));
    BOOST_TEST(fast.diagnostic.find("became free") != std::string::npos);
}

// Requests queued behind a connection that never frees: each ends at its own deadline, in
// deadline order whatever the queue order (the pool's one timer is re-armed for an earlier one).
BOOST_AUTO_TEST_CASE(queued_requests_time_out_at_their_own_deadlines) {
    test_server server([](const seen_request&) { return reply::of(reply::kind::hang); });
    asio::io_context io;
    http::client_options options;
    options.max_connections_per_origin = 1;
    options.retry.enabled = false;
    http::client client(io.get_executor(), options);
    const std::chrono::milliseconds timeouts[] = {1500ms, 1000ms, 100ms};
    std::vector<std::size_t> order;
    std::vector<error_code> errors(3);
    for (std::size_t i = 0; i < 3; ++i) {
        auto req = get(server.url());
        req.timeout = timeouts[i];
        client.async_send(std::move(req), [&, i](error_code ec, http::response) {
            errors[i] = ec;
            order.push_back(i);
        });
    }
    io.run();
    BOOST_TEST(errors[0] == http::error::response_timeout);  // it held the connection
    BOOST_TEST(errors[1] == http::error::pool_timeout);
    BOOST_TEST(errors[2] == http::error::pool_timeout);
    BOOST_TEST(order == (std::vector<std::size_t>{2, 1, 0}), boost::test_tools::per_element());
    BOOST_TEST(server.requests() == 1u);
}

// A queued request cancelled through its slot ends at once, never sent; the queue behind it
// moves on to the next request when the connection frees.
BOOST_AUTO_TEST_CASE(a_queued_request_is_cancelled_at_once_and_the_queue_moves_on) {
    asio::io_context io;
    asio::cancellation_signal signal;
    test_server server([&](const seen_request& r) {
        if (r.target == "/first") {  // the second request is queued behind this one by now
            asio::post(io, [&] { signal.emit(asio::cancellation_type::terminal); });
            reply slow = reply::ok();
            slow.delay = 200ms;
            return slow;
        }
        return reply::ok();
    });
    http::client_options options;
    options.max_connections_per_origin = 1;
    http::client client(io.get_executor(), options);
    std::vector<std::string> order;
    std::vector<result> results(3);
    auto record = [&](std::size_t i, std::string name) {
        return [&, i, name](error_code ec, http::response res) {
            results[i] = {ec, std::move(res)};
            order.push_back(name);
        };
    };
    client.async_send(get(server.url("/first")), record(0, "first"));
    client.async_send(get(server.url("/cancelled")),
                      asio::bind_cancellation_slot(signal.slot(), record(1, "cancelled")));
    client.async_send(get(server.url("/third")), record(2, "third"));
    io.run();
    auto& [ec1, cancelled] = results[1];
    BOOST_TEST(ec1 == http::error::cancelled);
    BOOST_TEST((cancelled.delivery == http::delivery::not_sent));
    BOOST_TEST(cancelled.diagnostic.find("waiting for a connection") != std::string::npos);
    BOOST_TEST(!std::get<0>(results[0]));
    BOOST_TEST(!std::get<0>(results[2]));
    BOOST_TEST(order == (std::vector<std::string>{"cancelled", "first", "third"}),
               boost::test_tools::per_element());
    BOOST_TEST(server.requests() == 2u);
    BOOST_TEST(server.connections() == 1u);  // the third reused the first's connection
}

// shutdown() refuses the queued requests as well as the one in flight.
BOOST_AUTO_TEST_CASE(shutdown_refuses_queued_requests) {
    asio::io_context io;
    http::client_options options;
    options.max_connections_per_origin = 1;
    http::client client(io.get_executor(), options);
    test_server server([&](const seen_request&) {
        asio::post(io, [&] { client.shutdown(); });
        return reply::of(reply::kind::hang);
    });
    auto results = send_concurrently(io, client, 3, [&](std::size_t) { return get(server.url()); });
    for (auto& [ec, res] : results) {
        BOOST_TEST(ec == http::error::shutdown, res.diagnostic);
    }
    BOOST_TEST((std::get<1>(results[1]).delivery == http::delivery::not_sent));
    BOOST_TEST(server.requests() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(keep_alive)

BOOST_AUTO_TEST_CASE(connections_are_reused) {
    test_server server([](const seen_request&) { return reply::ok(); });
    asio::io_context io;
    http::client_options options;
    options.max_connections_per_origin = 4;
    http::client client(io.get_executor(), options);
    auto results =
        send_concurrently(io, client, 100, [&](std::size_t) { return get(server.url()); });
    for (auto& [ec, res] : results) {
        BOOST_TEST_REQUIRE(!ec, ec.message() << ": " << res.diagnostic);
    }
    // Sequentially too: one connection serves them all.
    run(io, [&]() -> asio::awaitable<void> {
        for (int i = 0; i < 20; ++i) {
            auto [ec, res] = co_await send(client, get(server.url("/seq")));
            BOOST_TEST_REQUIRE(!ec);
        }
    }());
    BOOST_TEST(server.requests() == 120u);
    BOOST_TEST(server.connections() <= 4u);
    BOOST_TEST(client.metrics().connections_reused >= 116u);
}

BOOST_AUTO_TEST_CASE(shared_headers_are_sent_with_the_request_s_own) {
    std::mutex mutex;
    std::vector<seen_request> seen;
    test_server server([&](const seen_request& r) {
        std::lock_guard lock(mutex);
        seen.push_back(r);
        return reply::ok();
    });
    asio::io_context io;
    http::client client(io.get_executor());
    auto shared = std::make_shared<http::fields>();
    shared->set("Authorization", "User u, Organization o");
    shared->set(boost::beast::http::field::content_length, "999");  // the engine's to set
    for (int i = 0; i < 2; ++i) {
        auto req = post(server.url("/x"), "{}");
        req.shared_headers = shared;
        req.headers.set("X-Own", std::to_string(i));
        auto [ec, res] = run(io, send(client, std::move(req)));
        BOOST_TEST_REQUIRE(!ec, res.diagnostic);
    }
    std::lock_guard lock(mutex);
    BOOST_TEST_REQUIRE(seen.size() == 2u);
    for (std::size_t i = 0; i < 2; ++i) {
        const auto& r = seen[i];
        BOOST_TEST(r.headers["Authorization"] == "User u, Organization o");
        BOOST_TEST(r.headers["X-Own"] == std::to_string(i));
        BOOST_TEST(r.headers[boost::beast::http::field::content_length] == "2");
        BOOST_TEST(r.body == "{}");
    }
    BOOST_TEST(shared.use_count() == 1);  // the requests shared it, and let it go
}

BOOST_AUTO_TEST_CASE(connection_close_and_max_requests_per_connection_are_honoured) {
    test_server server([](const seen_request& r) {
        reply rep = reply::ok();
        rep.connection_close = r.target == "/close";
        return rep;
    });
    asio::io_context io;
    http::client_options options;
    options.max_requests_per_connection = 3;
    http::client client(io.get_executor(), options);
    run(io, [&]() -> asio::awaitable<void> {
        for (int i = 0; i < 9; ++i) {
            auto [ec, res] = co_await send(client, get(server.url("/keep")));
            BOOST_TEST_REQUIRE(!ec, res.diagnostic);
        }
    }());
    BOOST_TEST(server.connections() == 3u);
    run(io, [&]() -> asio::awaitable<void> {
        for (int i = 0; i < 4; ++i) {
            auto [ec, res] = co_await send(client, get(server.url("/close")));
            BOOST_TEST_REQUIRE(!ec, res.diagnostic);
        }
    }());
    BOOST_TEST(server.connections() == 7u);
}

BOOST_AUTO_TEST_CASE(a_connection_closed_by_the_server_while_idle_is_replaced) {
    test_server server([](const seen_request&) { return reply::ok(); });
    asio::io_context io;
    http::client client(io.get_executor());
    for (auto method : {http::verb::get, http::verb::post}) {
        run(io, [&]() -> asio::awaitable<void> {
            auto req = get(server.url("/first"));
            req.method = method;
            auto [ec1, r1] = co_await send(client, std::move(req));
            BOOST_TEST_REQUIRE(!ec1, r1.diagnostic);
        }());
        server.close_idle_connections();
        run(io, [&]() -> asio::awaitable<void> {
            auto req = get(server.url("/second"));
            req.method = method;
            auto [ec2, r2] = co_await send(client, std::move(req));
            BOOST_TEST_REQUIRE(!ec2, ec2.message() << ": " << r2.diagnostic);
            BOOST_TEST(r2.status == 200u);
        }());
    }
    // GET /first opens #1; GET /second finds #1 dead and opens #2 (written then retried, as GET
    // is idempotent); POST /first reuses #2; POST /second sees #2 closed before writing, opens #3.
    BOOST_TEST(server.connections() == 3u);
    BOOST_TEST(server.requests() == 4u);  // nothing was processed twice
    BOOST_TEST(client.metrics().stale_retries <= 1u);
}

BOOST_AUTO_TEST_CASE(a_stale_connection_is_retried_once_for_idempotent_requests) {
    // The server closes right after answering while announcing keep-alive, so the next request
    // is written into a dead connection before anyone can tell.
    std::atomic<int> n{0};
    test_server server([&](const seen_request&) {
        reply r = reply::ok();
        r.close_after = ++n == 1;
        return r;
    });
    asio::io_context io;
    http::client client(io.get_executor());
    run(io, [&]() -> asio::awaitable<void> {
        auto [ec1, r1] = co_await send(client, get(server.url("/a")));
        BOOST_TEST_REQUIRE(!ec1);
        auto [ec2, r2] = co_await send(client, get(server.url("/b")));
        BOOST_TEST_REQUIRE(!ec2, ec2.message() << ": " << r2.diagnostic);
    }());
    BOOST_TEST(server.requests() == 2u);
    BOOST_TEST(server.connections() == 2u);
}

BOOST_AUTO_TEST_CASE(host_names_resolve_and_every_address_is_tried) {
    // "localhost" may resolve to ::1 first, where nothing listens; 127.0.0.1 must then be tried.
    test_server server([](const seen_request& r) { return reply::ok(r.headers["Host"]); });
    asio::io_context io;
    http::client client(io.get_executor());
    run(io, [&]() -> asio::awaitable<void> {
        for (int i = 0; i < 2; ++i) {
            auto [ec, res] = co_await send(client, get(server.url("/", "localhost")));
            BOOST_TEST_REQUIRE(!ec, res.diagnostic);
            BOOST_TEST(res.body == "localhost:" + std::to_string(server.port()));
        }
    }());
}

BOOST_AUTO_TEST_CASE(a_burst_to_a_new_host_name_shares_one_lookup) {
    // The first request looks "localhost" up; the others, each opening a connection, wait for
    // its answer.
    test_server server([](const seen_request&) {
        reply r = reply::ok("x");
        r.delay = 2ms;  // keep the requests overlapping: one connection each
        return r;
    });
    asio::io_context io;
    http::client_options options;
    options.max_connections_per_origin = 16;
    http::client client(io.get_executor(), options);
    auto results = send_concurrently(
        io, client, 16, [&](std::size_t) { return get(server.url("/", "localhost")); });
    for (const auto& [ec, res] : results) {
        BOOST_TEST(!ec, res.diagnostic);
    }
    BOOST_TEST(server.connections() == 16u);
    BOOST_TEST(client.metrics().dns_lookups == 1u);  // sixteen connections, one query
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(failures)

BOOST_AUTO_TEST_CASE(a_server_that_never_answers_times_out_within_bound) {
    test_server server([](const seen_request&) { return reply::of(reply::kind::hang); });
    asio::io_context io;
    http::client client(io.get_executor());
    auto req = get(server.url());
    req.attempt_timeout = 300ms;
    const auto start = std::chrono::steady_clock::now();
    auto [ec, res] = run(io, send(client, std::move(req)));
    const auto elapsed = std::chrono::steady_clock::now() - start;
    BOOST_TEST(ec == http::error::response_timeout);
    BOOST_TEST((res.delivery == http::delivery::sent));
    BOOST_TEST((elapsed >= 300ms));
    BOOST_TEST((elapsed < 5s));
}

BOOST_AUTO_TEST_CASE(a_post_whose_connection_drops_after_the_write_is_not_repeated) {
    test_server server([](const seen_request&) { return reply::of(reply::kind::close); });
    asio::io_context io;
    http::client client(io.get_executor());
    auto [ec, res] = run(io, send(client, post(server.url("/instances"), R"({"name":"a"})")));
    BOOST_TEST(ec == http::error::connection_lost);
    BOOST_TEST((res.delivery == http::delivery::sent));
    BOOST_TEST(res.diagnostic.find("outcome is unknown") != std::string::npos);
    BOOST_TEST(server.requests() == 1u);
}

BOOST_AUTO_TEST_CASE(connection_refused_says_nothing_was_sent) {
    std::uint16_t port;
    {
        test_server server([](const seen_request&) { return reply::ok(); });
        port = server.port();
    }
    asio::io_context io;
    http::client client(io.get_executor());
    auto [ec, res] = run(io, send(client, get("http://127.0.0.1:" + std::to_string(port) + "/")));
    BOOST_TEST(ec == http::error::connect_failed);
    BOOST_TEST((res.delivery == http::delivery::not_sent));
    BOOST_TEST(res.diagnostic.find("refused") != std::string::npos, res.diagnostic);
}

BOOST_AUTO_TEST_CASE(malformed_status_line_is_reported) {
    test_server server([](const seen_request&) {
        reply r = reply::of(reply::kind::raw);
        r.raw = "HTTP/1.1 2OO OK\r\nContent-Length: 0\r\n\r\n";
        return r;
    });
    asio::io_context io;
    http::client client(io.get_executor());
    auto [ec, res] = run(io, send(client, get(server.url())));
    BOOST_TEST(ec == http::error::malformed_response);
    BOOST_TEST((res.delivery == http::delivery::answered));
}

BOOST_AUTO_TEST_CASE(short_body_is_a_truncated_response) {
    test_server server([](const seen_request&) {
        reply r = reply::of(reply::kind::raw);
        r.raw = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this";
        return r;
    });
    asio::io_context io;
    http::client client(io.get_executor());
    auto [ec, res] = run(io, send(client, get(server.url())));
    BOOST_TEST(ec == http::error::truncated_response);
}

BOOST_AUTO_TEST_CASE(chunked_bodies_are_read) {
    test_server server([](const seen_request&) {
        reply r = reply::of(reply::kind::raw);
        r.raw =
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n "
            "world\r\n0\r\n\r\n";
        return r;
    });
    asio::io_context io;
    http::client client(io.get_executor());
    auto [ec, res] = run(io, send(client, get(server.url())));
    BOOST_TEST_REQUIRE(!ec, res.diagnostic);
    BOOST_TEST(res.body == "hello world");
}

BOOST_AUTO_TEST_CASE(bad_urls_and_header_injection_are_refused_before_sending) {
    asio::io_context io;
    http::client client(io.get_executor());
    auto [ec1, r1] = run(io, send(client, get("ftp://127.0.0.1/")));
    BOOST_TEST(ec1 == http::error::invalid_request);
    auto req = get("http://127.0.0.1:1/");
    req.headers.set("X-Evil", "a\r\nInjected: yes");
    auto [ec2, r2] = run(io, send(client, std::move(req)));
    BOOST_TEST(ec2 == http::error::invalid_request);
    BOOST_TEST((r2.delivery == http::delivery::not_sent));
    // The same through a shared header set.
    auto shared = std::make_shared<http::fields>();
    shared->set("X-Evil", "a\nInjected: yes");
    auto req3 = get("http://127.0.0.1:1/");
    req3.shared_headers = shared;
    auto [ec3, r3] = run(io, send(client, std::move(req3)));
    BOOST_TEST(ec3 == http::error::invalid_request);
    BOOST_TEST(r3.diagnostic.find("X-Evil") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(limits)

BOOST_AUTO_TEST_CASE(body_over_the_limit_is_refused) {
    test_server server([](const seen_request&) { return reply::ok(std::string(4096, 'x')); });
    asio::io_context io;
    http::client_options options;
    options.body_limit = 1024;
    http::client client(io.get_executor(), options);
    auto [ec, res] = run(io, send(client, get(server.url())));
    BOOST_TEST(ec == http::error::body_too_large);
    BOOST_TEST(client.metrics().errors_of(http::error::body_too_large) == 1u);
}

BOOST_AUTO_TEST_CASE(header_over_the_limit_is_refused) {
    test_server server([](const seen_request&) {
        reply r = reply::ok();
        r.headers.emplace_back("X-Big", std::string(8192, 'h'));
        return r;
    });
    asio::io_context io;
    http::client_options options;
    options.header_limit = 4096;
    http::client client(io.get_executor(), options);
    auto [ec, res] = run(io, send(client, get(server.url())));
    BOOST_TEST(ec == http::error::header_too_large);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(cancellation)

BOOST_AUTO_TEST_CASE(a_request_is_cancelled_through_its_slot) {
    asio::io_context io;
    asio::cancellation_signal signal;
    // The server cancels the client's request once it holds it, through the client's thread.
    test_server server([&](const seen_request&) {
        asio::post(io, [&] { signal.emit(asio::cancellation_type::terminal); });
        return reply::of(reply::kind::hang);
    });
    http::client client(io.get_executor());
    std::optional<result> outcome;
    client.async_send(get(server.url()), asio::bind_cancellation_slot(
                                             signal.slot(), [&](error_code ec, http::response res) {
                                                 outcome.emplace(ec, std::move(res));
                                             }));
    const auto start = std::chrono::steady_clock::now();
    io.run();
    BOOST_REQUIRE(outcome);
    BOOST_TEST(std::get<0>(*outcome) == http::error::cancelled);
    BOOST_TEST((std::chrono::steady_clock::now() - start < 10s));  // not the 30 s attempt timeout
}

BOOST_AUTO_TEST_CASE(shutdown_ends_in_flight_and_refuses_new_requests) {
    asio::io_context io;
    http::client client(io.get_executor());
    test_server server([&](const seen_request&) {
        asio::post(io, [&] { client.shutdown(); });
        return reply::of(reply::kind::hang);
    });
    auto [ec, res] = run(io, send(client, get(server.url())));
    BOOST_TEST(ec == http::error::shutdown);
    auto [ec2, res2] = run(io, send(client, get(server.url())));
    BOOST_TEST(ec2 == http::error::shutdown);
    BOOST_TEST(server.requests() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(threading)

BOOST_AUTO_TEST_CASE(a_multi_threaded_io_context_shares_one_client) {
    test_server server([](const seen_request& r) { return reply::ok(r.body); }, std::nullopt, 2);
    asio::io_context io(4);
    http::client_options options;
    options.max_connections_per_origin = 16;
    http::client client(io.get_executor(), options);
    constexpr int workers = 100, each = 20;
    std::atomic<int> ok{0}, mismatched{0};
    for (int w = 0; w < workers; ++w) {
        asio::co_spawn(
            io,
            [&, w]() -> asio::awaitable<void> {
                for (int i = 0; i < each; ++i) {
                    const auto body = std::to_string(w) + ":" + std::to_string(i);
                    auto [ec, res] = co_await send(client, post(server.url("/echo"), body));
                    (!ec && res.body == body ? ok : mismatched)++;
                }
            },
            asio::detached);
    }
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] { io.run(); });
    }
    for (auto& t : threads) {
        t.join();
    }
    BOOST_TEST(ok.load() == workers * each);
    BOOST_TEST(mismatched.load() == 0);
    BOOST_TEST(server.max_concurrent_connections() <= 16u);
    const auto m = client.metrics();
    BOOST_TEST(m.requests == std::uint64_t(workers * each));
    BOOST_TEST(m.latency_p50_us <= m.latency_p99_us);
    BOOST_TEST(m.latency_p99_us <= m.latency_max_us);
}

BOOST_AUTO_TEST_SUITE_END()
