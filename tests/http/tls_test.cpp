// TLS against an in-process server with certificates generated for the test run.
#include "support/run.hpp"
#include "support/test_server.hpp"

#include <salvo/http/client.hpp>
#include <salvo/tls/certificate.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <random>

namespace asio = boost::asio;
namespace tls_ns = salvo::tls;
using namespace salvo;
using namespace salvo::testing;

namespace {

// A CA written to a temporary PEM file for the client to trust, removed afterwards.
struct trusted_authority {
    tls_ns::pem_pair ca = tls_ns::make_authority();
    std::filesystem::path file =
        std::filesystem::temp_directory_path() /
        ("salvo-test-ca-" + std::to_string(std::random_device{}()) + ".pem");
    trusted_authority() { tls_ns::write_pem_file(file.string(), ca.certificate); }
    ~trusted_authority() { std::filesystem::remove(file); }

    http::client_options client_options() const {
        http::client_options options;
        options.tls.ca_file = file.string();
        return options;
    }
};

reply ok(const seen_request&) {
    return reply::ok("secure");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tls)

BOOST_AUTO_TEST_CASE(an_untrusted_self_signed_certificate_is_refused) {
    test_server server(ok, tls_ns::make_self_signed());
    asio::io_context io;
    http::client client(io.get_executor());
    auto [ec, res] = run(io, send(client, get(server.url())));
    BOOST_TEST(ec == http::error::tls_handshake_failed);
    BOOST_TEST((res.delivery == http::delivery::not_sent));
    BOOST_TEST(res.diagnostic.find("certificate") != std::string::npos, res.diagnostic);
    BOOST_TEST(server.requests() == 0u);
}

BOOST_AUTO_TEST_CASE(insecure_accepts_a_self_signed_certificate) {
    test_server server(ok, tls_ns::make_self_signed());
    asio::io_context io;
    http::client_options options;
    options.tls.verify_peer = false;
    http::client client(io.get_executor(), options);
    auto [ec, res] = run(io, send(client, get(server.url())));
    BOOST_TEST_REQUIRE(!ec, res.diagnostic);
    BOOST_TEST(res.body == "secure");
}

BOOST_AUTO_TEST_CASE(a_certificate_for_another_host_is_refused) {
    trusted_authority authority;
    tls_ns::certificate_request other;
    other.common_name = "other.example";
    other.dns_names = {"other.example"};
    other.ip_addresses = {"10.9.9.9"};
    test_server server(ok, tls_ns::issue(authority.ca, other));
    asio::io_context io;
    http::client client(io.get_executor(), authority.client_options());
    for (const char* host : {"127.0.0.1", "localhost"}) {
        auto [ec, res] = run(io, send(client, get(server.url("/", host))));
        BOOST_TEST(ec == http::error::tls_handshake_failed, host);
        BOOST_TEST(res.diagnostic.find("mismatch") != std::string::npos, res.diagnostic);
    }
    BOOST_TEST(server.requests() == 0u);
}

BOOST_AUTO_TEST_CASE(a_certificate_from_the_ca_file_is_accepted_by_ip_and_name) {
    trusted_authority authority;
    test_server server(ok, tls_ns::issue(authority.ca));
    asio::io_context io;
    http::client client(io.get_executor(), authority.client_options());
    for (const char* host : {"127.0.0.1", "localhost"}) {
        auto [ec, res] = run(io, send(client, get(server.url("/", host))));
        BOOST_TEST_REQUIRE(!ec, res.diagnostic);
        BOOST_TEST(res.body == "secure");
    }
}

BOOST_AUTO_TEST_CASE(new_connections_resume_the_previous_session) {
    trusted_authority authority;
    test_server server(ok, tls_ns::issue(authority.ca));
    asio::io_context io;
    auto options = authority.client_options();
    options.max_requests_per_connection = 1;  // every request opens a new connection
    http::client client(io.get_executor(), options);
    run(io, [&]() -> asio::awaitable<void> {
        for (int i = 0; i < 3; ++i) {
            auto [ec, res] = co_await send(client, get(server.url()));
            BOOST_TEST_REQUIRE(!ec, res.diagnostic);
        }
    }());
    BOOST_TEST(server.connections() == 3u);
    BOOST_TEST(server.resumed_handshakes() == 2u);
    const auto m = client.metrics();
    BOOST_TEST(m.tls_handshakes_full == 1u);
    BOOST_TEST(m.tls_handshakes_resumed == 2u);
}

BOOST_AUTO_TEST_CASE(a_missing_ca_file_is_a_clear_error) {
    asio::io_context io;
    http::client_options options;
    options.tls.ca_file = "/nonexistent/ca.pem";
    BOOST_CHECK_EXCEPTION(
        http::client(io.get_executor(), options), boost::system::system_error, [](const auto& e) {
            return std::string(e.what()).find("/nonexistent/ca.pem") != std::string::npos;
        });
}

BOOST_AUTO_TEST_SUITE_END()
