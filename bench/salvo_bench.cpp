// salvo-bench: drives salvo::http::client as an embedder would (pool and policies on) and prints
// one JSON line of results, the last line on stdout, for scripts/bench.sh to collect.
//
//   salvo-bench http --url URL --requests N --connections C [--threads T] [--method M]
//                    [--body-file F] [--header 'K: V']... [--insecure] [--duration S]
//   salvo-bench handshake --url https://... --connections C [--no-resume] [--duration S]
//   salvo-bench idle --url http://... --connections N
//
// `--url mock` starts the mock platform in-process and targets its POST /instances (the smoke
// test uses it: no server to set up).
#include "common/closed_loop.hpp"
#include "common/load_options.hpp"

#include <salvo/http/client.hpp>
#include <salvo/mock/server.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <malloc.h>

#include <atomic>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace http = salvo::http;
using salvo::bench::closed_loop;
using salvo::bench::load_options;

std::atomic<bool> reported_failure{false};

void report_first_failure(const boost::system::error_code& ec, const http::response& res) {
    if (reported_failure.exchange(true)) {
        return;
    }
    if (ec) {
        std::cerr << "salvo-bench: first failure: " << ec.message() << " (" << res.diagnostic
                  << ")\n";
    } else {
        std::cerr << "salvo-bench: first failure: HTTP " << res.status << "\n";
    }
}

asio::awaitable<void> worker(http::client& client, const http::request& prototype,
                             closed_loop& loop, std::size_t expected) {
    std::vector<std::uint32_t> samples;
    samples.reserve(expected);
    std::uint64_t failures = 0;
    bool first = true;
    for (;;) {
        const auto turn = first ? closed_loop::turn::warm_up : loop.next();
        if (turn == closed_loop::turn::stop) {
            break;
        }
        const auto start = salvo::bench::bench_clock::now();
        auto [ec, res] =
            co_await client.async_send(http::request(prototype), asio::as_tuple(asio::deferred));
        const bool ok = !ec && res.status < 400;
        if (!ok) {
            report_first_failure(ec, res);
        }
        if (turn == closed_loop::turn::measured) {
            samples.push_back(salvo::bench::elapsed_us(start));
            failures += ok ? 0 : 1;
        }
        if (first) {
            first = false;
            loop.warmed_up();
        }
    }
    loop.finish(std::move(samples), failures);
}

std::optional<http::verb> verb_of(const std::string& method) {
    const auto v = boost::beast::http::string_to_verb(method);
    if (v == http::verb::unknown) {
        return std::nullopt;
    }
    return v;
}

http::request make_prototype(const load_options& options) {
    http::request req;
    req.method = *verb_of(options.method);
    req.url = boost::urls::url(options.url);
    for (const auto& h : options.headers) {
        req.headers.set(h.name, h.value);
    }
    req.body = options.body;
    return req;
}

http::client_options engine_options(const load_options& options) {
    http::client_options engine;
    engine.max_connections_per_origin = options.connections;
    engine.tls.verify_peer = !options.insecure;
    engine.tls.ca_file = options.ca_file;
    engine.tls.session_resumption = options.resume;
    engine.single_threaded = options.threads == 1;
    return engine;
}

std::string engine_counters(const http::metrics_snapshot& m) {
    std::string extra;
    extra.append("\"connections_opened\":").append(std::to_string(m.connections_opened));
    extra.append(",\"connections_reused\":").append(std::to_string(m.connections_reused));
    extra.append(",\"tls_handshakes_full\":").append(std::to_string(m.tls_handshakes_full));
    extra.append(",\"tls_handshakes_resumed\":").append(std::to_string(m.tls_handshakes_resumed));
    extra.append(",\"stale_retries\":").append(std::to_string(m.stale_retries));
    extra.append(",\"retries\":").append(std::to_string(m.retries_total()));
    return extra;
}

// Runs the closed loop with the engine; `handshake` makes every request open a new connection.
int run_load(const load_options& options, bool handshake) {
    if (!verb_of(options.method)) {
        std::cerr << "salvo-bench: unknown method " << options.method << "\n";
        return 2;
    }
    auto engine = engine_options(options);
    if (handshake) {
        engine.max_requests_per_connection = 1;
    }
    asio::io_context io(static_cast<int>(options.threads));
    auto client = std::make_unique<http::client>(io.get_executor(), engine);
    const http::request prototype = make_prototype(options);
    closed_loop loop(options.connections, options.requests, options.duration);
    const std::size_t expected = options.requests / options.connections + 16;
    for (std::size_t i = 0; i < options.connections; ++i) {
        asio::co_spawn(io, worker(*client, prototype, loop, expected), asio::detached);
    }
    std::vector<std::thread> threads;
    for (unsigned t = 1; t < options.threads; ++t) {
        threads.emplace_back([&io] { io.run(); });
    }
    io.run();
    for (auto& t : threads) {
        t.join();
    }
    const auto m = client->metrics();
    std::string extra = engine_counters(m);
    if (handshake) {
        extra.insert(0, "\"mode\":\"handshake\",\"resume\":" +
                            std::string(options.resume ? "true," : "false,"));
    }
    std::cout << loop.json_line(extra) << std::endl;
    return loop.failures() == 0 ? 0 : 1;
}

// Opens N keep-alive connections at once through the engine, lets them idle, reports RSS.
int run_idle(const load_options& options) {
    const long rss_start = salvo::bench::current_rss_kib();
    asio::io_context io(1);
    auto engine = engine_options(options);
    engine.idle_timeout = std::chrono::minutes(5);
    http::client client(io.get_executor(), engine);
    http::request prototype = make_prototype(options);
    const long rss_before = salvo::bench::current_rss_kib();
    std::size_t done = 0;
    std::uint64_t failures = 0;
    for (std::size_t i = 0; i < options.connections; ++i) {
        asio::co_spawn(
            io,
            [&]() -> asio::awaitable<void> {
                auto [ec, res] = co_await client.async_send(http::request(prototype),
                                                            asio::as_tuple(asio::deferred));
                if (ec || res.status >= 400) {
                    report_first_failure(ec, res);
                    ++failures;
                }
                ++done;
            },
            asio::detached);
    }
    const auto start = salvo::bench::bench_clock::now();
    io.run();
    const double seconds =
        std::chrono::duration<double>(salvo::bench::bench_clock::now() - start).count();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const long rss_idle = salvo::bench::current_rss_kib();
    // What the idle connections hold, apart from heap the finished requests left free but mapped.
    malloc_trim(0);
    const long rss_trimmed = salvo::bench::current_rss_kib();
    const auto heap = mallinfo2();
    const auto m = client.metrics();
    const auto opened = m.connections_opened;
    auto per_connection = [&](long rss) {
        return opened == 0
                   ? 0.0
                   : static_cast<double>(rss - rss_before) * 1024.0 / static_cast<double>(opened);
    };
    char text[512];
    std::snprintf(
        text, sizeof text,
        "{\"mode\":\"idle\",\"connections\":%llu,\"failures\":%llu,\"seconds\":%.3f,"
        "\"rss_start_kib\":%ld,\"rss_before_kib\":%ld,\"rss_idle_kib\":%ld,"
        "\"rss_trimmed_kib\":%ld,\"bytes_per_connection\":%.0f,"
        "\"bytes_per_connection_trimmed\":%.0f,\"heap_in_use_kib\":%zu,\"heap_free_kib\":%zu}",
        static_cast<unsigned long long>(opened), static_cast<unsigned long long>(failures), seconds,
        rss_start, rss_before, rss_idle, rss_trimmed, per_connection(rss_idle),
        per_connection(rss_trimmed), heap.uordblks / 1024, heap.fordblks / 1024);
    std::cout << text << std::endl;
    return failures == 0 && done == options.connections ? 0 : 1;
}

int usage(int status) {
    (status == 0 ? std::cout : std::cerr)
        << "usage: salvo-bench http|handshake|idle --url URL [flags]\n"
        << "  http       closed-loop requests through salvo::http::client\n"
        << "  handshake  a new TLS connection per request (--no-resume: no session resumption)\n"
        << "  idle       open --connections keep-alive connections, report the RSS they cost\n"
        << "flags:\n"
        << salvo::bench::load_usage() << "  --no-resume          (handshake) full handshakes\n"
        << "  --url mock           an in-process mock platform's POST /instances\n";
    return status;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        return usage(2);
    }
    const std::string mode = argv[1];
    if (mode == "--help" || mode == "-h") {
        return usage(0);
    }
    if (mode != "http" && mode != "handshake" && mode != "idle") {
        std::cerr << "salvo-bench: unknown command " << mode << "\n";
        return usage(2);
    }
    load_options options;
    // "mock" is not a URL: swap it for the in-process mock's before parsing the rest.
    std::vector<char*> args(argv, argv + argc);
    std::optional<salvo::mock::server> mock;
    std::string mock_url;
    for (std::size_t i = 2; i + 1 < args.size(); ++i) {
        if (std::string_view(args[i]) == "--url" && std::string_view(args[i + 1]) == "mock") {
            mock.emplace(salvo::mock::server_options{.threads = 1});
            mock->start();
            mock_url = mock->base_url() + "/instances";
            args[i + 1] = mock_url.data();
            std::string auth = "Authorization: User ";
            auth.append(salvo::mock::default_user_secret)
                .append(", Organization ")
                .append(salvo::mock::default_org_secret);
            options.headers.push_back({"Authorization", auth.substr(15)});
            options.headers.push_back({"Content-Type", "application/json"});
        }
    }
    if (auto problem = salvo::bench::parse_load_options(static_cast<int>(args.size()), args.data(),
                                                        2, options)) {
        std::cerr << "salvo-bench: " << *problem << "\n";
        return usage(2);
    }
    try {
        if (mode == "idle") {
            return run_idle(options);
        }
        return run_load(options, mode == "handshake");
    } catch (const std::exception& e) {
        std::cerr << "salvo-bench: " << e.what() << "\n";
        return 1;
    }
}
