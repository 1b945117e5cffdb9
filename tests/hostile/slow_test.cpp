// Servers that are slow on purpose: a byte at a time, never reading, closing mid-body. The
// attempt timeout bounds the whole exchange, not the gap between two bytes.
#include "hostile/raw_server.hpp"
#include "hostile/support.hpp"

#include <salvo/http/client.hpp>

#include <boost/test/unit_test.hpp>

#include <string>

namespace asio = boost::asio;
using namespace salvo;
using namespace salvo::hostile;

namespace {

// Answers a response one byte at a time, `gap` apart, forever (the body never ends).
connection_script drip(std::chrono::steady_clock::duration gap) {
    return [gap](tcp::socket& s, std::size_t) -> asio::awaitable<void> {
        std::string buffer;
        if (!co_await read_request(s, buffer)) {
            co_return;
        }
        const std::string response = "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n";
        for (std::size_t i = 0;; ++i) {
            const char byte = i < response.size() ? response[i] : 'x';
            if (!co_await write_all(s, std::string_view(&byte, 1))) {
                co_return;
            }
            co_await pause(gap);
        }
    };
}

}  // namespace

BOOST_AUTO_TEST_SUITE(slow)

BOOST_AUTO_TEST_CASE(one_byte_per_second_ends_at_the_attempt_timeout) {
    raw_server server(drip(1s));
    auto r = send_once(testing::get(server.url("http")), short_timeouts());
    BOOST_TEST(r.ec == http::error::response_timeout, r.res.diagnostic);
    BOOST_TEST((r.res.delivery == http::delivery::answered));
    BOOST_TEST(ms(r.elapsed) >= 350.0);
    BOOST_TEST(ms(r.elapsed) < ms(400ms + slack));
}

// A byte every 20 ms never leaves the connection silent for long: an inactivity timeout would
// never fire. The attempt timeout must.
BOOST_AUTO_TEST_CASE(a_fast_drip_cannot_extend_the_attempt_past_its_timeout) {
    raw_server server(drip(20ms));
    auto r = send_once(testing::get(server.url("http")), short_timeouts());
    BOOST_TEST(r.ec == http::error::response_timeout, r.res.diagnostic);
    BOOST_TEST(ms(r.elapsed) < ms(400ms + slack));
}

BOOST_AUTO_TEST_CASE(retries_of_a_dripping_server_stay_within_the_request_timeout) {
    raw_server server(drip(20ms));
    asio::io_context io;
    auto options = short_timeouts();
    options.attempt_timeout = 200ms;
    options.request_timeout = 900ms;
    http::client client(io.get_executor(), options);
    const auto start = std::chrono::steady_clock::now();
    auto [ec, res] = testing::run(io, testing::send(client, testing::get(server.url("http"))));
    const auto elapsed = std::chrono::steady_clock::now() - start;
    BOOST_TEST((ec == http::error::response_timeout || ec == http::error::retry_deadline),
               ec.message() << " / " << res.diagnostic);
    BOOST_TEST(res.attempts >= 1);
    BOOST_TEST(ms(elapsed) < ms(900ms + slack));
}

// The server accepts and never reads: a large body fills both socket buffers, the write blocks,
// and the attempt timeout ends it with the outcome unknown.
BOOST_AUTO_TEST_CASE(a_server_that_never_reads_a_large_body_times_out_the_write) {
    raw_server server([](tcp::socket&, std::size_t) { return hang_forever(); }, 4096);
    auto req = testing::post(server.url("http", "/instances"), std::string(32 * 1024 * 1024, 'a'));
    auto r = send_once(std::move(req), short_timeouts());
    BOOST_TEST(r.ec == http::error::response_timeout, r.res.diagnostic);
    BOOST_TEST((r.res.delivery == http::delivery::sent));
    BOOST_TEST(ms(r.elapsed) >= 350.0);
    BOOST_TEST(ms(r.elapsed) < ms(400ms + slack));
}

// Accepts, reads the request, never answers.
BOOST_AUTO_TEST_CASE(a_server_that_never_answers_times_out_with_the_outcome_unknown) {
    raw_server server([](tcp::socket& s, std::size_t) -> asio::awaitable<void> {
        std::string buffer;
        if (co_await read_request(s, buffer)) {
            co_await hang_forever();
        }
    });
    auto r = send_once(testing::post(server.url("http", "/instances"), "{}"), short_timeouts());
    BOOST_TEST(r.ec == http::error::response_timeout, r.res.diagnostic);
    BOOST_TEST((r.res.delivery == http::delivery::sent));
}

BOOST_AUTO_TEST_CASE(a_close_mid_body_is_a_truncated_response) {
    for (const bool chunked : {false, true}) {
        BOOST_TEST_CONTEXT("chunked " << chunked) {
            raw_server server([chunked](tcp::socket& s, std::size_t) -> asio::awaitable<void> {
                std::string buffer;
                if (!co_await read_request(s, buffer)) {
                    co_return;
                }
                const std::string head =
                    chunked ? "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n"
                            : "HTTP/1.1 200 OK\r\nContent-Length: 1024\r\n\r\n";
                co_await write_all(s, head);
                co_await write_all(s, std::string(512, 'm'));
                co_await pause(10ms);  // the half body arrives before the close
                boost::system::error_code ignored;
                s.shutdown(tcp::socket::shutdown_both, ignored);
                s.close(ignored);
            });
            auto r = send_once(testing::get(server.url("http")), short_timeouts());
            BOOST_TEST(r.ec == http::error::truncated_response, r.res.diagnostic);
            BOOST_TEST((r.res.delivery == http::delivery::answered));
            BOOST_TEST(ms(r.elapsed) < ms(400ms + slack));
        }
    }
}

BOOST_AUTO_TEST_CASE(a_reset_before_any_byte_is_a_lost_connection) {
    raw_server server([](tcp::socket& s, std::size_t) -> asio::awaitable<void> {
        std::string buffer;
        if (!co_await read_request(s, buffer)) {
            co_return;
        }
        s.set_option(asio::socket_base::linger(true, 0));  // close sends RST
        boost::system::error_code ignored;
        s.close(ignored);
    });
    auto r = send_once(testing::post(server.url("http", "/instances"), "{}"), short_timeouts());
    BOOST_TEST(r.ec == http::error::connection_lost, r.res.diagnostic);
    BOOST_TEST((r.res.delivery == http::delivery::sent));
}

BOOST_AUTO_TEST_SUITE_END()
