// Hostile TLS servers: certificates that must be refused, a protocol too old, a handshake that
// never comes. Each is refused before any request byte is sent.
#include "hostile/raw_server.hpp"
#include "hostile/support.hpp"
#include "support/test_server.hpp"

#include <salvo/http/client.hpp>
#include <salvo/tls/certificate.hpp>

#include <boost/asio/ssl/stream.hpp>
#include <boost/test/unit_test.hpp>

#include <array>
#include <filesystem>
#include <random>
#include <string>

namespace asio = boost::asio;
namespace tls = salvo::tls;
using namespace salvo;
using namespace salvo::hostile;
using salvo::testing::reply;
using salvo::testing::seen_request;
using salvo::testing::test_server;

namespace {

// A CA the client trusts (written to a temporary PEM file for the test's duration).
struct trusted_ca {
    tls::pem_pair ca = tls::make_authority("salvo hostile CA");
    std::filesystem::path file;
    trusted_ca() {
        std::string name = "salvo-hostile-ca-";
        name += std::to_string(std::random_device{}());
        name += ".pem";
        file = std::filesystem::temp_directory_path() / name;
        tls::write_pem_file(file.string(), ca.certificate);
    }
    ~trusted_ca() { std::filesystem::remove(file); }

    http::client_options options() const {
        auto o = short_timeouts();
        o.tls.ca_file = file.string();
        return o;
    }
};

reply ok(const seen_request&) {
    return reply::ok("secure");
}

void expect_refused(const std::string& url, const http::client_options& options,
                    const std::string& diagnostic_part) {
    auto r = send_once(testing::get(url), options);
    BOOST_TEST(r.ec == http::error::tls_handshake_failed, r.ec.message()
                                                              << " / " << r.res.diagnostic);
    BOOST_TEST((r.res.delivery == http::delivery::not_sent));
    BOOST_TEST(r.res.diagnostic.find(diagnostic_part) != std::string::npos, r.res.diagnostic);
    BOOST_TEST(ms(r.elapsed) < ms(options.connect_timeout + slack));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tls_hostile)

BOOST_AUTO_TEST_CASE(a_valid_chain_is_accepted_so_the_refusals_below_mean_something) {
    trusted_ca ca;
    test_server server(ok, tls::issue(ca.ca));
    auto r = send_once(testing::get(server.url()), ca.options());
    BOOST_TEST_REQUIRE(!r.ec, r.res.diagnostic);
    BOOST_TEST(r.res.body == "secure");
}

BOOST_AUTO_TEST_CASE(an_expired_certificate_is_refused) {
    trusted_ca ca;
    tls::certificate_request expired;
    expired.not_before = -std::chrono::hours(48);
    expired.not_after = -std::chrono::hours(24);
    test_server server(ok, tls::issue(ca.ca, expired));
    expect_refused(server.url(), ca.options(), "expired");
    BOOST_TEST(server.requests() == 0u);
}

BOOST_AUTO_TEST_CASE(a_certificate_not_yet_valid_is_refused) {
    trusted_ca ca;
    tls::certificate_request future;
    future.not_before = std::chrono::hours(24);
    future.not_after = std::chrono::hours(48);
    test_server server(ok, tls::issue(ca.ca, future));
    expect_refused(server.url(), ca.options(), "not yet valid");
}

BOOST_AUTO_TEST_CASE(a_certificate_for_another_host_is_refused_by_name_and_by_ip) {
    trusted_ca ca;
    tls::certificate_request other;
    other.common_name = "other.example";
    other.dns_names = {"other.example"};
    other.ip_addresses = {"10.9.8.7"};
    test_server server(ok, tls::issue(ca.ca, other));
    expect_refused(server.url("/", "127.0.0.1"), ca.options(), "certificate");
    expect_refused(server.url("/", "localhost"), ca.options(), "certificate");
}

BOOST_AUTO_TEST_CASE(a_self_signed_certificate_is_refused) {
    trusted_ca ca;
    test_server server(ok, tls::make_self_signed());
    expect_refused(server.url(), ca.options(), "certificate");
}

BOOST_AUTO_TEST_CASE(a_certificate_from_an_untrusted_ca_is_refused) {
    trusted_ca ca;
    const auto rogue = tls::make_authority("rogue CA");
    test_server server(ok, tls::issue(rogue));
    expect_refused(server.url(), ca.options(), "certificate");
}

// A leaf that is not a CA cannot sign: a chain through it must fail.
BOOST_AUTO_TEST_CASE(a_certificate_signed_by_a_leaf_is_refused) {
    trusted_ca ca;
    const auto leaf = tls::issue(ca.ca);
    test_server server(ok, tls::issue(leaf));
    auto r = send_once(testing::get(server.url()), ca.options());
    BOOST_TEST(r.ec == http::error::tls_handshake_failed, r.res.diagnostic);
}

BOOST_AUTO_TEST_CASE(a_tls_1_0_only_server_is_refused) {
    trusted_ca ca;
    const auto leaf = tls::issue(ca.ca);
    raw_server server([leaf](tcp::socket& s, std::size_t) -> asio::awaitable<void> {
        auto ctx = server_tls_context(leaf.certificate, leaf.private_key, true);
        asio::ssl::stream<tcp::socket> stream(std::move(s), ctx);
        co_await stream.async_handshake(asio::ssl::stream_base::server,
                                        asio::as_tuple(asio::use_awaitable));
    });
    auto r = send_once(testing::get(server.url("https")), ca.options());
    BOOST_TEST(r.ec == http::error::tls_handshake_failed, r.res.diagnostic);
    BOOST_TEST((r.res.delivery == http::delivery::not_sent));
    BOOST_TEST(ms(r.elapsed) < ms(400ms + slack));
}

// TCP accepted, the ClientHello never answered: the connect timeout covers the handshake.
BOOST_AUTO_TEST_CASE(a_stalled_handshake_ends_at_the_connect_timeout) {
    trusted_ca ca;
    raw_server server([](tcp::socket&, std::size_t) { return hang_forever(); });
    auto r = send_once(testing::get(server.url("https")), ca.options());
    BOOST_TEST(r.ec == http::error::connect_timeout, r.res.diagnostic);
    BOOST_TEST((r.res.delivery == http::delivery::not_sent));
    BOOST_TEST(ms(r.elapsed) >= 350.0);
    BOOST_TEST(ms(r.elapsed) < ms(400ms + slack));
}

// The server answers the ClientHello with plain HTTP (a TLS port misconfigured as HTTP).
BOOST_AUTO_TEST_CASE(plain_http_on_a_tls_port_is_a_handshake_failure) {
    trusted_ca ca;
    raw_server server([](tcp::socket& s, std::size_t) -> asio::awaitable<void> {
        co_await write_all(s, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        co_await hang_forever();
    });
    auto r = send_once(testing::get(server.url("https")), ca.options());
    BOOST_TEST(r.ec == http::error::tls_handshake_failed, r.res.diagnostic);
    BOOST_TEST(ms(r.elapsed) < ms(400ms + slack));
}

// The server closes in the middle of the handshake.
BOOST_AUTO_TEST_CASE(a_close_during_the_handshake_is_a_handshake_failure) {
    trusted_ca ca;
    raw_server server([](tcp::socket& s, std::size_t) -> asio::awaitable<void> {
        std::array<char, 16> some{};
        co_await s.async_read_some(asio::buffer(some), asio::as_tuple(asio::use_awaitable));
        boost::system::error_code ignored;
        s.close(ignored);
    });
    auto r = send_once(testing::get(server.url("https")), ca.options());
    BOOST_TEST(r.ec == http::error::tls_handshake_failed, r.res.diagnostic);
    BOOST_TEST((r.res.delivery == http::delivery::not_sent));
}

BOOST_AUTO_TEST_SUITE_END()
