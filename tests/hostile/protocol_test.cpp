// Hostile HTTP/1.1 servers against the engine: broken framing, lying lengths, endless heads and
// bodies, stray bytes. Each must end in one clear salvo::http::error within its timeout.
#include "hostile/raw_server.hpp"
#include "hostile/support.hpp"

#include <salvo/http/client.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <future>
#include <string>
#include <vector>

namespace asio = boost::asio;
using namespace salvo;
using namespace salvo::hostile;
using boost::system::error_code;

namespace {

// Reads one request, writes `bytes`, then closes (or keeps the connection open when `linger`).
connection_script answer_with(std::string bytes, bool linger = false) {
    return
        [bytes = std::move(bytes), linger](tcp::socket& s, std::size_t) -> asio::awaitable<void> {
            std::string buffer;
            if (!co_await read_request(s, buffer)) {
                co_return;
            }
            co_await write_all(s, bytes);
            if (linger) {
                co_await hang_forever();
            }
        };
}

struct raw_case {
    const char* name;
    std::string bytes;
    http::error expected;
};

// Runs each case against a server that answers with its bytes, on a connection left open so
// only the framing (never the close) can end the read.
void check_cases(const std::vector<raw_case>& cases,
                 http::client_options options = short_timeouts()) {
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT("case " << c.name) {
            raw_server server(answer_with(c.bytes, true));
            auto r = send_once(testing::get(server.url("http")), options);
            BOOST_TEST(r.ec == c.expected, r.ec.message() << " / " << r.res.diagnostic);
            BOOST_TEST((r.res.delivery == http::delivery::answered));
            BOOST_TEST(!r.res.diagnostic.empty());
            BOOST_TEST(ms(r.elapsed) < ms(options.attempt_timeout + slack));
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(framing)

BOOST_AUTO_TEST_CASE(malformed_status_lines_are_malformed_responses) {
    check_cases({
        {"letter O in code", "HTTP/1.1 2OO OK\r\nContent-Length: 0\r\n\r\n",
         http::error::malformed_response},
        {"HTTP/2.0", "HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n",
         http::error::malformed_response},
        {"not HTTP", "SSH-2.0-OpenSSH_9.2\r\n\r\n", http::error::malformed_response},
        {"four-digit code", "HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n",
         http::error::malformed_response},
        {"no code", "HTTP/1.1 \r\nContent-Length: 0\r\n\r\n", http::error::malformed_response},
        {"LF only", "HTTP/1.1 200 OK\nContent-Length: 0\n\n", http::error::malformed_response},
        {"NUL bytes", std::string("HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n", 27),
         http::error::malformed_response},
        {"header without colon", "HTTP/1.1 200 OK\r\nno colon here\r\nContent-Length: 0\r\n\r\n",
         http::error::malformed_response},
        {"two Content-Lengths",
         "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
         http::error::malformed_response},
        {"negative Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
         http::error::malformed_response},
        {"Content-Length overflow",
         "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
         http::error::malformed_response},
    });
}

BOOST_AUTO_TEST_CASE(bad_chunk_sizes_are_malformed_responses) {
    const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    check_cases({
        {"not hex", head + "zz\r\nhello\r\n0\r\n\r\n", http::error::malformed_response},
        {"negative", head + "-5\r\nhello\r\n0\r\n\r\n", http::error::malformed_response},
        {"64-bit overflow", head + "1ffffffffffffffff\r\nx\r\n0\r\n\r\n",
         http::error::malformed_response},
        {"missing CRLF after data", head + "5\r\nhelloXX0\r\n\r\n",
         http::error::malformed_response},
        {"empty size line", head + "\r\nhello\r\n0\r\n\r\n", http::error::malformed_response},
    });
}

BOOST_AUTO_TEST_CASE(a_huge_chunk_is_refused_by_the_body_limit_before_it_is_read) {
    const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    auto options = short_timeouts();
    options.body_limit = 1024;
    check_cases(
        {{"7fffffffffffffff", head + "7fffffffffffffff\r\nxx", http::error::body_too_large}},
        options);
}

BOOST_AUTO_TEST_CASE(content_length_larger_than_the_body_then_close_is_truncated) {
    for (const bool chunked : {false, true}) {
        BOOST_TEST_CONTEXT("chunked " << chunked) {
            raw_server server(answer_with(
                chunked ? "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n64\r\nonly this"
                        : "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this"));
            auto r = send_once(testing::get(server.url("http")), short_timeouts());
            BOOST_TEST(r.ec == http::error::truncated_response, r.res.diagnostic);
            BOOST_TEST((r.res.delivery == http::delivery::answered));
            BOOST_TEST(r.res.body.empty());
        }
    }
}

BOOST_AUTO_TEST_CASE(content_length_larger_than_the_body_kept_open_times_out) {
    raw_server server(answer_with("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this", true));
    auto r = send_once(testing::get(server.url("http")), short_timeouts());
    BOOST_TEST(r.ec == http::error::response_timeout, r.res.diagnostic);
    BOOST_TEST((r.res.delivery == http::delivery::answered));
    BOOST_TEST(ms(r.elapsed) >= 350.0);
    BOOST_TEST(ms(r.elapsed) < ms(400ms + slack));
}

// Content-Length smaller than what is sent: the extra bytes must never be read as the answer
// to the next request, so the connection is not reused.
BOOST_AUTO_TEST_CASE(extra_bytes_after_the_body_in_the_same_segment_retire_the_connection) {
    raw_server server([](tcp::socket& s, std::size_t index) -> asio::awaitable<void> {
        std::string buffer;
        while (co_await read_request(s, buffer)) {
            if (index == 1) {
                co_await write_all(s,
                                   "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                                   "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nsmuggled");
            } else {
                co_await write_all(s, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond");
            }
        }
    });
    asio::io_context io;
    http::client client(io.get_executor(), short_timeouts());
    auto [ec1, r1] = testing::run(io, testing::send(client, testing::get(server.url("http"))));
    BOOST_TEST_REQUIRE(!ec1, r1.diagnostic);
    BOOST_TEST(r1.body == "ok");
    auto [ec2, r2] = testing::run(io, testing::send(client, testing::get(server.url("http"))));
    BOOST_TEST_REQUIRE(!ec2, r2.diagnostic);
    BOOST_TEST(r2.body == "second");
    BOOST_TEST(server.connections() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(framing)  // continued

// The same, with the stray response arriving in its own segment after the first response was
// read (so it is not in the read buffer when the exchange ends), before the next request.
//
// Found by this test: the engine peeked for unsolicited bytes only for non-idempotent requests
// or after 1 s idle, so this GET got "smuggled" as its answer. Fixed in 995e8fe (peek after 1 ms
// idle); kept as the regression test.
BOOST_AUTO_TEST_CASE(a_stray_response_sent_after_the_body_is_never_taken_as_the_next_answer) {
    std::promise<void> stray_sent;
    auto stray_sent_future = stray_sent.get_future();
    raw_server server([&stray_sent](tcp::socket& s, std::size_t index) -> asio::awaitable<void> {
        std::string buffer;
        while (co_await read_request(s, buffer)) {
            if (index == 1) {
                co_await write_all(s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                co_await pause(20ms);  // a separate segment, after the client read "ok"
                co_await write_all(s, "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nsmuggled");
                stray_sent.set_value();
            } else {
                co_await write_all(s, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond");
            }
        }
    });
    asio::io_context io;
    http::client client(io.get_executor(), short_timeouts());
    auto [ec1, r1] = testing::run(io, testing::send(client, testing::get(server.url("http"))));
    BOOST_TEST_REQUIRE(!ec1, r1.diagnostic);
    BOOST_TEST(r1.body == "ok");
    stray_sent_future.wait();  // the stray bytes are in this host's receive queue now
    auto [ec2, r2] = testing::run(io, testing::send(client, testing::get(server.url("http"))));
    BOOST_TEST(r2.body != "smuggled");
    BOOST_TEST((ec2 || r2.body == "second"), ec2.message() << " / " << r2.diagnostic);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(limits)

BOOST_AUTO_TEST_CASE(an_endless_header_is_refused_at_the_limit) {
    raw_server server([](tcp::socket& s, std::size_t) -> asio::awaitable<void> {
        std::string buffer;
        if (!co_await read_request(s, buffer)) {
            co_return;
        }
        if (!co_await write_all(s, "HTTP/1.1 200 OK\r\n")) {
            co_return;
        }
        std::string line = "X-Padding: ";
        line.append(1000, 'p').append("\r\n");
        while (co_await write_all(s, line)) {
        }
    });
    auto options = short_timeouts();
    options.header_limit = 16 * 1024;
    auto r = send_once(testing::get(server.url("http")), options);
    BOOST_TEST(r.ec == http::error::header_too_large, r.res.diagnostic);
    BOOST_TEST(ms(r.elapsed) < ms(options.attempt_timeout + slack));
}

BOOST_AUTO_TEST_CASE(an_endless_chunked_body_is_refused_at_the_limit) {
    raw_server server([](tcp::socket& s, std::size_t) -> asio::awaitable<void> {
        std::string buffer;
        if (!co_await read_request(s, buffer)) {
            co_return;
        }
        if (!co_await write_all(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")) {
            co_return;
        }
        std::string chunk = "1000\r\n";
        chunk.append(4096, 'b').append("\r\n");
        while (co_await write_all(s, chunk)) {
        }
    });
    auto options = short_timeouts();
    options.body_limit = 256 * 1024;
    auto r = send_once(testing::get(server.url("http")), options);
    BOOST_TEST(r.ec == http::error::body_too_large, r.res.diagnostic);
    BOOST_TEST(r.res.body.size() <= options.body_limit);
    BOOST_TEST(ms(r.elapsed) < ms(options.attempt_timeout + slack));
}

BOOST_AUTO_TEST_CASE(an_announced_body_over_the_limit_is_refused_without_reading_it) {
    raw_server server(
        answer_with("HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n", true));
    auto options = short_timeouts();
    options.body_limit = 1024;
    auto r = send_once(testing::get(server.url("http")), options);
    BOOST_TEST(r.ec == http::error::body_too_large, r.res.diagnostic);
    BOOST_TEST(ms(r.elapsed) < 300.0);  // at the header, not at the timeout
}

BOOST_AUTO_TEST_CASE(a_body_of_close_delimited_length_over_the_limit_is_refused) {
    raw_server server([](tcp::socket& s, std::size_t) -> asio::awaitable<void> {
        std::string buffer;
        if (!co_await read_request(s, buffer)) {
            co_return;
        }
        if (!co_await write_all(s, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")) {
            co_return;
        }
        const std::string block(64 * 1024, 'c');
        while (co_await write_all(s, block)) {
        }
    });
    auto options = short_timeouts();
    options.body_limit = 256 * 1024;
    auto r = send_once(testing::get(server.url("http")), options);
    BOOST_TEST(r.ec == http::error::body_too_large, r.res.diagnostic);
}

BOOST_AUTO_TEST_SUITE_END()
