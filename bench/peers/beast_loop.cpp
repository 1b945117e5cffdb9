// salvo-bench-beast: the floor of what Beast gives by hand. C coroutines, each with one
// keep-alive connection of its own (no pool, no policy, no timeouts), sending one prepared
// request in a loop. Same flags and the same JSON line as `salvo-bench http`.
#include "common/closed_loop.hpp"
#include "common/load_options.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <atomic>
#include <iostream>
#include <optional>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using salvo::bench::closed_loop;
using tcp = asio::ip::tcp;
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

struct target {
    salvo::bench::url_parts url;
    tcp::resolver::results_type addresses;
    asio::ssl::context* tls = nullptr;
    beast::http::request<beast::http::string_body> request;
};

std::atomic<bool> reported_failure{false};

void report(std::string_view what) {
    if (!reported_failure.exchange(true)) {
        std::cerr << "salvo-bench-beast: first failure: " << what << "\n";
    }
}

// One request on `stream`, opening it first when `open` is false. Returns false on failure
// (the connection is then dropped).
template <class Stream>
asio::awaitable<bool> exchange(Stream& stream, const target& t, beast::flat_buffer& buffer,
                               beast::http::response<beast::http::string_body>& res) {
    auto [wec, written] = co_await beast::http::async_write(stream, t.request, nothrow);
    if (wec) {
        report(wec.message());
        co_return false;
    }
    res = {};
    auto [rec, read] = co_await beast::http::async_read(stream, buffer, res, nothrow);
    if (rec) {
        report(rec.message());
        co_return false;
    }
    if (res.result_int() >= 400) {
        report("HTTP " + std::to_string(res.result_int()));
    }
    co_return res.keep_alive();
}

template <class Stream>
asio::awaitable<bool> open(Stream& stream, const target& t) {
    auto& layer = beast::get_lowest_layer(stream);
    auto [ec, endpoint] = co_await layer.async_connect(t.addresses, nothrow);
    if (ec) {
        report(ec.message());
        co_return false;
    }
    layer.socket().set_option(tcp::no_delay(true));
    if constexpr (!std::is_same_v<Stream, beast::tcp_stream>) {
        auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::client, nothrow);
        if (hec) {
            report(hec.message());
            co_return false;
        }
    }
    co_return true;
}

template <class Stream>
asio::awaitable<void> worker(const target& t, closed_loop& loop) {
    const auto ex = co_await asio::this_coro::executor;
    std::optional<Stream> stream;
    beast::flat_buffer buffer;
    beast::http::response<beast::http::string_body> res;
    std::vector<std::uint32_t> samples;
    std::uint64_t failures = 0;
    bool first = true;
    for (;;) {
        const auto turn = first ? closed_loop::turn::warm_up : loop.next();
        if (turn == closed_loop::turn::stop) {
            break;
        }
        const auto start = salvo::bench::bench_clock::now();
        bool ok = true;
        if (!stream) {
            if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
                stream.emplace(ex);
            } else {
                stream.emplace(beast::tcp_stream(ex), *t.tls);
            }
            buffer.clear();
            ok = co_await open(*stream, t);
        }
        bool keep = false;
        if (ok) {
            keep = co_await exchange(*stream, t, buffer, res);
            ok = res.result_int() != 0 && res.result_int() < 400;
        }
        if (!keep) {
            stream.reset();
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

}  // namespace

int main(int argc, char** argv) {
    salvo::bench::load_options options;
    if (auto problem = salvo::bench::parse_load_options(argc, argv, 1, options)) {
        std::cerr << "salvo-bench-beast: " << *problem << "\nflags:\n"
                  << salvo::bench::load_usage();
        return 2;
    }
    target t;
    t.url = *salvo::bench::split_url(options.url);
    const auto method = beast::http::string_to_verb(options.method);
    if (method == beast::http::verb::unknown) {
        std::cerr << "salvo-bench-beast: unknown method " << options.method << "\n";
        return 2;
    }
    t.request.method(method);
    t.request.target(t.url.target);
    t.request.version(11);
    std::string host = t.url.host;
    if (t.url.port != (t.url.tls ? 443 : 80)) {
        host.append(":").append(std::to_string(t.url.port));
    }
    t.request.set(beast::http::field::host, host);
    t.request.set(beast::http::field::user_agent, "beast-loop");
    for (const auto& h : options.headers) {
        t.request.set(h.name, h.value);
    }
    t.request.body() = options.body;
    if (!options.body.empty() || method == beast::http::verb::post ||
        method == beast::http::verb::put) {
        t.request.prepare_payload();
    }

    asio::io_context io(static_cast<int>(options.threads));
    asio::ssl::context tls(asio::ssl::context::tls_client);
    if (options.insecure) {
        tls.set_verify_mode(asio::ssl::verify_none);
    } else {
        tls.set_verify_mode(asio::ssl::verify_peer);
        if (options.ca_file.empty()) {
            tls.set_default_verify_paths();
        } else {
            tls.load_verify_file(options.ca_file);
        }
    }
    t.tls = &tls;
    boost::system::error_code ec;
    t.addresses = tcp::resolver(io).resolve(t.url.host, std::to_string(t.url.port), ec);
    if (ec) {
        std::cerr << "salvo-bench-beast: cannot resolve " << t.url.host << ": " << ec.message()
                  << "\n";
        return 1;
    }

    closed_loop loop(options.connections, options.requests, options.duration);
    for (std::size_t i = 0; i < options.connections; ++i) {
        if (t.url.tls) {
            asio::co_spawn(io, worker<asio::ssl::stream<beast::tcp_stream>>(t, loop),
                           asio::detached);
        } else {
            asio::co_spawn(io, worker<beast::tcp_stream>(t, loop), asio::detached);
        }
    }
    std::vector<std::thread> threads;
    for (unsigned i = 1; i < options.threads; ++i) {
        threads.emplace_back([&io] { io.run(); });
    }
    io.run();
    for (auto& th : threads) {
        th.join();
    }
    std::cout << loop.json_line() << std::endl;
    return loop.failures() == 0 ? 0 : 1;
}
