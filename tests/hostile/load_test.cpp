// 10,000 concurrent requests through a pool of 512 connections to an in-process server: every
// one completes, and once the client is gone no file descriptor is left open.
#include "support/run.hpp"
#include "support/test_server.hpp"

#include <salvo/http/client.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/test/unit_test.hpp>

#include <malloc.h>
#include <sys/resource.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

namespace asio = boost::asio;
using namespace salvo;
using namespace salvo::testing;
using namespace std::chrono_literals;
using boost::system::error_code;

namespace {

// The open descriptors, by what they point to (the directory's own descriptor included, the
// same each time).
std::multiset<std::string> open_descriptors() {
    std::multiset<std::string> fds;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
        std::error_code ec;
        const auto target = std::filesystem::read_symlink(entry.path(), ec);
        fds.insert(ec ? std::string("?") : target.string());
    }
    return fds;
}

std::string describe(const std::multiset<std::string>& fds) {
    std::string out;
    for (const auto& fd : fds) {
        out += fd;
        out += ' ';
    }
    return out;
}

std::size_t resident_kib() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            return std::stoul(line.substr(6));
        }
    }
    return 0;
}

// The client side needs 512 descriptors and the in-process server as many again.
void raise_descriptor_limit(rlim_t wanted) {
    rlimit limit{};
    BOOST_REQUIRE_EQUAL(::getrlimit(RLIMIT_NOFILE, &limit), 0);
    if (limit.rlim_cur < wanted) {
        limit.rlim_cur = std::min(wanted, limit.rlim_max);
        BOOST_REQUIRE_EQUAL(::setrlimit(RLIMIT_NOFILE, &limit), 0);
    }
    BOOST_TEST_REQUIRE(limit.rlim_cur >= 1200u,
                       "RLIMIT_NOFILE hard limit too low: " << limit.rlim_max);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(load)

BOOST_AUTO_TEST_CASE(ten_thousand_concurrent_requests_through_512_connections) {
    constexpr std::size_t requests = 10'000;
    constexpr std::size_t pool = 512;
    raise_descriptor_limit(4096);

    asio::io_context io;
    {
        // The io_context opens its reactor (epoll, eventfd, timerfd) on first use and keeps it.
        asio::ip::tcp::socket warm_up(io);
        warm_up.open(asio::ip::tcp::v4());
    }
    const auto fds_before = open_descriptors();
    const std::size_t rss_before = resident_kib();
    std::size_t done = 0, failed = 0;
    std::size_t server_connections = 0, server_max_open = 0;
    const auto start = std::chrono::steady_clock::now();
    {
        test_server server([](const seen_request&) { return reply::ok(R"({"id":1})"); }, {}, 2);
        {
            http::client_options options;
            options.max_connections_per_origin = pool;
            options.request_timeout = 60s;
            http::client client(io.get_executor(), options);
            const std::string url = server.url("/load");
            for (std::size_t i = 0; i < requests; ++i) {
                client.async_send(get(url), [&](error_code ec, http::response res) {
                    ++done;
                    if (ec || res.status != 200 || res.body != R"({"id":1})") {
                        if (failed++ == 0) {
                            BOOST_TEST_MESSAGE("first failure: " << ec.message() << " "
                                                                 << res.diagnostic);
                        }
                    }
                });
            }
            io.run();
            const auto m = client.metrics();
            BOOST_TEST(m.connections_opened <= pool);
            BOOST_TEST_MESSAGE("connections opened " << m.connections_opened << ", reused "
                                                     << m.connections_reused);
        }
        // The client is gone: let whatever it left behind (closing connections) finish.
        io.restart();
        io.run();
        server_connections = server.connections();
        server_max_open = server.max_concurrent_connections();
    }
    const auto elapsed = std::chrono::steady_clock::now() - start;
    const auto fds_after = open_descriptors();
    ::malloc_trim(0);  // what glibc keeps cached is not a leak
    const std::size_t rss_after = resident_kib();
    BOOST_TEST_MESSAGE("10000 requests in "
                       << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()
                       << " ms; server saw " << server_connections << " connections, at most "
                       << server_max_open << " at once; fds " << fds_before.size() << " -> "
                       << fds_after.size() << "; RSS " << rss_before << " KiB -> " << rss_after
                       << " KiB");
    BOOST_TEST(done == requests);
    BOOST_TEST(failed == 0u);
    BOOST_TEST(server_max_open <= pool);
    BOOST_TEST(fds_after.size() == fds_before.size(),
               "before: " << describe(fds_before) << "; after: " << describe(fds_after));
    // Memory: bound the growth (heap fragmentation, Boost.Test's log) rather than demand zero.
    // Under AddressSanitizer freed memory sits in its quarantine, and ThreadSanitizer keeps
    // shadow state and its own allocator, so RSS says nothing there; leaks are LeakSanitizer's
    // job in the ASan build.
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
    BOOST_TEST(rss_after < rss_before + 32 * 1024, rss_before << " KiB -> " << rss_after << " KiB");
#endif
}

BOOST_AUTO_TEST_SUITE_END()
