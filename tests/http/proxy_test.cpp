// HTTP CONNECT proxies: the proxy choice, NO_PROXY and the environment as pure functions, then
// the engine through a real CONNECT proxy on 127.0.0.1 to in-process servers behind it.
#include "support/connect_proxy.hpp"
#include "support/run.hpp"
#include "support/test_server.hpp"

#include "http/proxy.hpp"

#include <salvo/http/client.hpp>
#include <salvo/tls/certificate.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <map>
#include <random>
#include <vector>

namespace asio = boost::asio;
using namespace salvo;
using namespace salvo::testing;
using namespace std::chrono_literals;
using tcp = asio::ip::tcp;

namespace {

// A CA written to a temporary PEM file for the client to trust, removed afterwards.
struct trusted_authority {
    tls::pem_pair ca = tls::make_authority();
    std::filesystem::path file =
        std::filesystem::temp_directory_path() /
        ("salvo-proxy-ca-" + std::to_string(std::random_device{}()) + ".pem");
    trusted_authority() { tls::write_pem_file(file.string(), ca.certificate); }
    ~trusted_authority() { std::filesystem::remove(file); }

    // Issued for `name` alone: no IP address, so "127.0.0.1" (the proxy) would not match it.
    tls::pem_pair leaf(const std::string& name) const {
        tls::certificate_request request;
        request.common_name = name;
        request.dns_names = {name};
        request.ip_addresses = {};
        return tls::issue(ca, request);
    }
};

// Every test is bounded by the request timeout; retries off unless a test wants them.
http::client_options bounded(const std::string& ca_file = "") {
    http::client_options options;
    options.request_timeout = 10s;
    options.connect_timeout = 5s;
    options.retry.enabled = false;
    options.tls.ca_file = ca_file;
    return options;
}

reply ok(const seen_request&) {
    return reply::ok("behind the proxy");
}

std::uint16_t closed_port() {
    asio::io_context io;
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    return acceptor.local_endpoint().port();
}

http::proxy_options proxies(std::string https, std::string plain, std::string no_proxy) {
    http::proxy_options options;
    options.https_proxy = std::move(https);
    options.http_proxy = std::move(plain);
    options.no_proxy = std::move(no_proxy);
    return options;
}

const char* const secret = "s3cret-Pa55";

void check_no_credentials(const std::string& text) {
    BOOST_TEST(text.find(secret) == std::string::npos, text);
    BOOST_TEST(text.find("alice") == std::string::npos, text);
    BOOST_TEST(text.find("Basic") == std::string::npos, text);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(proxy)

// ---- the decisions, no sockets ----

BOOST_AUTO_TEST_CASE(no_proxy_matches_names_domains_addresses_and_blocks) {
    struct row {
        const char* no_proxy;
        const char* host;
        bool direct;
    };
    const row table[] = {
        {"", "example.com", false},
        {"*", "api.example.com", true},
        {"example.com", "example.com", true},
        {"example.com", "api.example.com", true},
        {".example.com", "example.com", true},
        {".example.com", "api.example.com", true},
        {"example.com", "badexample.com", false},
        {"api.example.com", "example.com", false},
        {"EXAMPLE.com", "Api.Example.COM", true},
        {"example.com.", "example.com", true},
        {"example.com", "example.com.", true},
        {"example.com:8443", "example.com", true},
        {"foo.test , example.com,bar.test", "example.com", true},
        {"foo.test,,bar.test", "example.com", false},
        {"localhost", "127.0.0.1", false},
        {"10.0.0.1", "10.0.0.1", true},
        {"0.0.1", "10.0.0.1", false},
        {"10.0.0.1:443", "10.0.0.1", true},
        {"10.0.0.0/8", "10.1.2.3", true},
        {"10.0.0.0/8", "11.1.2.3", false},
        {"10.0.0.0/8", "ten.example", false},
        {"::1", "::1", true},
        {"[::1]:8080", "::1", true},
        {"0:0::1", "::1", true},
        {"fd00::/8", "fd12::1", true},
        {"fd00::/8", "fe80::1", false},
    };
    for (const auto& r : table) {
        BOOST_TEST(http::detail::bypasses_proxy(r.no_proxy, r.host) == r.direct,
                   "NO_PROXY='" << r.no_proxy << "' host=" << r.host);
    }
}

BOOST_AUTO_TEST_CASE(the_environment_is_read_as_curl_reads_it) {
    using env = std::map<std::string, std::string>;
    struct row {
        env vars;
        http::proxy_options expected;
    };
    const std::vector<row> table = {
        {{}, proxies("", "", "")},
        {{{"https_proxy", "a:1"}, {"HTTPS_PROXY", "b:1"}}, proxies("a:1", "", "")},
        {{{"HTTPS_PROXY", "b:1"}}, proxies("b:1", "", "")},
        {{{"https_proxy", ""}, {"HTTPS_PROXY", "b:1"}}, proxies("b:1", "", "")},  // empty: unset
        {{{"http_proxy", "c:1"}, {"HTTP_PROXY", "d:1"}}, proxies("", "c:1", "")},
        {{{"HTTP_PROXY", "d:1"}}, proxies("", "d:1", "")},
        {{{"no_proxy", "x"}, {"NO_PROXY", "y"}}, proxies("", "", "x")},
        {{{"NO_PROXY", "y"}}, proxies("", "", "y")},
        {{{"https_proxy", "a:1"}, {"http_proxy", "c:1"}, {"no_proxy", "x"}},
         proxies("a:1", "c:1", "x")},
    };
    for (const auto& r : table) {
        const auto got = http::detail::proxy_options_from([&](const char* name) -> const char* {
            const auto it = r.vars.find(name);
            return it == r.vars.end() ? nullptr : it->second.c_str();
        });
        BOOST_TEST(got.https_proxy == r.expected.https_proxy);
        BOOST_TEST(got.http_proxy == r.expected.http_proxy);
        BOOST_TEST(got.no_proxy == r.expected.no_proxy);
    }
}

BOOST_AUTO_TEST_CASE(each_scheme_has_its_proxy_and_no_proxy_wins) {
    http::proxy_options options;
    options.https_proxy = "http://tls-proxy:3128";
    options.http_proxy = "plain-proxy:8080";
    options.no_proxy = ".internal";
    const http::detail::proxy_config config(options);

    const auto https = config.route(true, "api.example.com", 443);
    BOOST_TEST_REQUIRE(https.has_value());
    BOOST_TEST(https->proxy_name == "tls-proxy:3128");
    BOOST_TEST(https->target == "api.example.com:443");
    const auto plain = config.route(false, "api.example.com", 80);
    BOOST_TEST_REQUIRE(plain.has_value());
    BOOST_TEST(plain->proxy_name == "plain-proxy:8080");
    BOOST_TEST(!config.route(true, "db.internal", 443).has_value());
    BOOST_TEST(config.route(true, "::1", 8443)->target == "[::1]:8443");

    const http::detail::proxy_config https_only(proxies("tls-proxy:3128", "", ""));
    BOOST_TEST(!https_only.route(false, "api.example.com", 80).has_value());
    BOOST_TEST(!http::detail::proxy_config(http::proxy_options{})
                    .route(true, "api.example.com", 443)
                    .has_value());
}

BOOST_AUTO_TEST_CASE(proxy_urls_are_parsed_and_bad_ones_are_refused_without_the_secret) {
    using http::detail::parse_proxy_url;
    auto p = parse_proxy_url("http://proxy.example:3128", "https_proxy");
    BOOST_TEST(p.host == "proxy.example");
    BOOST_TEST(p.port == 3128);
    BOOST_TEST(p.authorization.empty());
    BOOST_TEST(parse_proxy_url(" proxy.example:3128 ", "x").name == "proxy.example:3128");
    BOOST_TEST(parse_proxy_url("http://proxy.example", "x").port == 1080);  // curl's default
    BOOST_TEST(parse_proxy_url("http://proxy.example/", "x").port == 1080);
    p = parse_proxy_url("HTTP://[::1]:8080", "x");
    BOOST_TEST(p.host == "::1");
    BOOST_TEST(p.name == "[::1]:8080");
    BOOST_TEST(parse_proxy_url("http://alice:s%3Acret@proxy:1", "x").authorization ==
               "Basic YWxpY2U6czpjcmV0");  // alice:s:cret, percent-decoded
    BOOST_TEST(parse_proxy_url("http://alice@proxy:1", "x").authorization == "Basic YWxpY2U6");

    for (const std::string bad : {
             "socks5://alice:s3cret-Pa55@proxy:1080",
             "https://alice:s3cret-Pa55@proxy:443",
             "http://alice:s3cret-Pa55@:3128",
             "http://alice:s3cret-Pa55 x@proxy:3128",
             "http://alice:s3cret-Pa55@proxy:99999",
         }) {
        try {
            parse_proxy_url(bad, "https_proxy");
            BOOST_ERROR("accepted " << bad);
        } catch (const std::invalid_argument& e) {
            const std::string message = e.what();
            BOOST_TEST(message.find("https_proxy") != std::string::npos, message);
            check_no_credentials(message);
        }
    }
}

BOOST_AUTO_TEST_CASE(the_connect_request_carries_host_and_basic_credentials) {
    const auto proxy = http::detail::parse_proxy_url("http://alice:s3cret@proxy:3128", "x");
    const auto route = http::detail::make_route(proxy, "api.example.com", 443);
    BOOST_TEST(route.connect_request ==
               "CONNECT api.example.com:443 HTTP/1.1\r\nHost: api.example.com:443\r\n"
               "Proxy-Authorization: Basic YWxpY2U6czNjcmV0\r\n\r\n");
    const auto anonymous = http::detail::parse_proxy_url("proxy:3128", "x");
    BOOST_TEST(http::detail::make_route(anonymous, "::1", 80).connect_request ==
               "CONNECT [::1]:80 HTTP/1.1\r\nHost: [::1]:80\r\n\r\n");
    BOOST_TEST(http::detail::refusal_message(route, 407, "") ==
               "proxy proxy:3128 refused CONNECT to api.example.com:443: 407 Proxy "
               "Authentication Required");
}

BOOST_AUTO_TEST_CASE(an_invalid_proxy_url_makes_the_client_constructor_throw) {
    asio::io_context io;
    auto options = bounded();
    options.proxy.https_proxy = "socks5://alice:s3cret-Pa55@proxy:1080";
    try {
        http::client client(io.get_executor(), options);
        BOOST_ERROR("accepted a socks5 proxy");
    } catch (const std::invalid_argument& e) {
        BOOST_TEST(std::string(e.what()).find("socks5") != std::string::npos, e.what());
        check_no_credentials(e.what());
    }
}

// ---- the engine through a real proxy ----

BOOST_AUTO_TEST_CASE(https_goes_through_connect_and_verifies_the_origin_certificate) {
    trusted_authority authority;
    test_server server(ok, authority.leaf("localhost"));
    connect_proxy proxy;
    asio::io_context io;
    auto options = bounded(authority.file.string());
    options.proxy.https_proxy = proxy.url();
    http::client client(io.get_executor(), options);

    auto [ec, res] = run(io, send(client, get(server.url("/status", "localhost"))));
    BOOST_TEST_REQUIRE(!ec, res.diagnostic);
    BOOST_TEST(res.status == 200u);
    BOOST_TEST(res.body == "behind the proxy");
    const auto seen = proxy.requests();
    BOOST_TEST_REQUIRE(seen.size() == 1u);
    const std::string target = "localhost:" + std::to_string(server.port());
    BOOST_TEST(seen[0].target == target);
    BOOST_TEST(seen[0].host == target);
    BOOST_TEST(seen[0].authorization.empty());
    BOOST_TEST(server.requests() == 1u);
}

BOOST_AUTO_TEST_CASE(a_certificate_for_another_name_is_refused_through_the_tunnel) {
    trusted_authority authority;
    test_server server(ok, authority.leaf("other.example"));
    connect_proxy proxy;
    asio::io_context io;
    auto options = bounded(authority.file.string());
    options.proxy.https_proxy = proxy.url();
    http::client client(io.get_executor(), options);

    auto [ec, res] = run(io, send(client, get(server.url("/", "localhost"))));
    BOOST_TEST(ec == http::error::tls_handshake_failed);
    BOOST_TEST((res.delivery == http::delivery::not_sent));
    BOOST_TEST(res.diagnostic.find("localhost") != std::string::npos, res.diagnostic);
    BOOST_TEST(res.diagnostic.find("mismatch") != std::string::npos, res.diagnostic);
    BOOST_TEST(proxy.requests().size() == 1u);  // the tunnel was open: TLS refused the name
    BOOST_TEST(server.requests() == 0u);
}

BOOST_AUTO_TEST_CASE(keep_alive_reuses_the_tunnel) {
    trusted_authority authority;
    test_server server(ok, authority.leaf("localhost"));
    connect_proxy proxy;
    asio::io_context io;
    auto options = bounded(authority.file.string());
    options.proxy.https_proxy = proxy.url();
    http::client client(io.get_executor(), options);

    run(io, [&]() -> asio::awaitable<void> {
        for (int i = 0; i < 2; ++i) {
            auto [ec, res] = co_await send(client, get(server.url("/", "localhost")));
            BOOST_TEST_REQUIRE(!ec, res.diagnostic);
        }
    }());
    BOOST_TEST(proxy.requests().size() == 1u);
    BOOST_TEST(proxy.connections() == 1u);
    BOOST_TEST(server.connections() == 1u);
    BOOST_TEST(server.requests() == 2u);
    BOOST_TEST(client.metrics().connections_reused == 1u);
}

BOOST_AUTO_TEST_CASE(plain_http_is_tunnelled_too) {
    test_server server(ok);
    connect_proxy proxy;
    asio::io_context io;
    auto options = bounded();
    options.proxy.http_proxy = proxy.url();
    http::client client(io.get_executor(), options);

    auto [ec, res] = run(io, send(client, get(server.url())));
    BOOST_TEST_REQUIRE(!ec, res.diagnostic);
    BOOST_TEST(res.body == "behind the proxy");
    const auto seen = proxy.requests();
    BOOST_TEST_REQUIRE(seen.size() == 1u);
    BOOST_TEST(seen[0].target == "127.0.0.1:" + std::to_string(server.port()));
}

BOOST_AUTO_TEST_CASE(credentials_in_the_url_are_sent_as_basic) {
    trusted_authority authority;
    test_server server(ok, authority.leaf("localhost"));
    connect_proxy proxy(proxy_behaviour::requiring("Basic YWxpY2U6cEBzcyB3b3Jk"));
    asio::io_context io;
    auto options = bounded(authority.file.string());
    options.proxy.https_proxy = proxy.url("alice:p%40ss%20word");  // alice:p@ss word
    http::client client(io.get_executor(), options);

    auto [ec, res] = run(io, send(client, get(server.url("/", "localhost"))));
    BOOST_TEST_REQUIRE(!ec, res.diagnostic);
    const auto seen = proxy.requests();
    BOOST_TEST_REQUIRE(seen.size() == 1u);
    BOOST_TEST(seen[0].authorization == "Basic YWxpY2U6cEBzcyB3b3Jk");
}

BOOST_AUTO_TEST_CASE(a_407_is_a_clear_error_without_the_credentials_and_is_not_retried) {
    trusted_authority authority;
    test_server server(ok, authority.leaf("localhost"));
    connect_proxy proxy(proxy_behaviour::requiring("Basic dXNlcjpwYXNz"));
    asio::io_context io;
    auto options = bounded(authority.file.string());
    options.proxy.https_proxy = proxy.url(std::string("alice:") + secret);
    options.retry.enabled = true;  // nothing was sent, but the same credentials meet a 407 again
    options.retry.max_attempts = 3;
    http::client client(io.get_executor(), options);

    auto [ec, res] = run(io, send(client, get(server.url("/", "localhost"))));
    BOOST_TEST(ec == http::error::proxy_refused);
    BOOST_TEST((res.delivery == http::delivery::not_sent));
    const std::string expected = "proxy " + proxy.name() +
                                 " refused CONNECT to localhost:" + std::to_string(server.port()) +
                                 ": 407 Proxy Authentication Required";
    BOOST_TEST(res.diagnostic.find(expected) != std::string::npos, res.diagnostic);
    check_no_credentials(res.diagnostic);
    check_no_credentials(ec.message());
    BOOST_TEST(res.attempts == 1);
    BOOST_TEST(proxy.requests().size() == 1u);
    BOOST_TEST(server.requests() == 0u);
}

BOOST_AUTO_TEST_CASE(other_refusals_name_the_status) {
    test_server server(ok);
    connect_proxy forbidding(proxy_behaviour::refusing(403));
    connect_proxy proxy;  // its own answer when the origin is down: 502
    const std::uint16_t down = closed_port();
    struct row {
        connect_proxy* proxy;
        std::string url;
        std::string expected;
        http::error error;  // 403: the proxy's policy, final; 502: may pass, retryable
    };
    const row table[] = {
        {&forbidding, server.url(),
         "refused CONNECT to 127.0.0.1:" + std::to_string(server.port()) + ": 403 Go Away",
         http::error::proxy_refused},
        {&proxy, "http://127.0.0.1:" + std::to_string(down) + "/",
         "refused CONNECT to 127.0.0.1:" + std::to_string(down) + ": 502 Bad Gateway",
         http::error::connect_failed},
    };
    for (const auto& r : table) {
        asio::io_context io;
        auto options = bounded();
        options.proxy.http_proxy = r.proxy->url();
        http::client client(io.get_executor(), options);
        auto [ec, res] = run(io, send(client, get(r.url)));
        BOOST_TEST(ec == r.error, ec.message());
        BOOST_TEST((res.delivery == http::delivery::not_sent));
        BOOST_TEST(
            res.diagnostic.find("proxy " + r.proxy->name() + " " + r.expected) != std::string::npos,
            res.diagnostic);
    }
    BOOST_TEST(server.requests() == 0u);
}

BOOST_AUTO_TEST_CASE(a_proxy_that_is_down_is_named_in_the_error) {
    test_server server(ok);
    const std::uint16_t down = closed_port();
    asio::io_context io;
    auto options = bounded();
    options.proxy.http_proxy =
        std::string("http://alice:") + secret + "@127.0.0.1:" + std::to_string(down);
    http::client client(io.get_executor(), options);

    auto [ec, res] = run(io, send(client, get(server.url())));
    BOOST_TEST(ec == http::error::connect_failed);
    BOOST_TEST((res.delivery == http::delivery::not_sent));
    BOOST_TEST(res.diagnostic.find("proxy 127.0.0.1:" + std::to_string(down)) != std::string::npos,
               res.diagnostic);
    BOOST_TEST(res.diagnostic.find("refused") != std::string::npos, res.diagnostic);
    check_no_credentials(res.diagnostic);
    BOOST_TEST(server.requests() == 0u);
}

BOOST_AUTO_TEST_CASE(a_silent_proxy_is_bounded_by_the_connect_timeout) {
    test_server server(ok);
    connect_proxy proxy(proxy_behaviour::silent());
    asio::io_context io;
    auto options = bounded();
    options.connect_timeout = 300ms;
    options.proxy.http_proxy = proxy.url();
    http::client client(io.get_executor(), options);

    const auto start = std::chrono::steady_clock::now();
    auto [ec, res] = run(io, send(client, get(server.url())));
    BOOST_TEST(ec == http::error::connect_timeout);
    BOOST_TEST((res.delivery == http::delivery::not_sent));
    BOOST_TEST(res.diagnostic.find("proxy " + proxy.name()) != std::string::npos, res.diagnostic);
    BOOST_TEST((std::chrono::steady_clock::now() - start < 5s));
    BOOST_TEST(proxy.requests().size() == 1u);
}

BOOST_AUTO_TEST_CASE(no_proxy_goes_direct) {
    trusted_authority authority;
    test_server server(ok, authority.leaf("localhost"));
    connect_proxy proxy;
    asio::io_context io;
    auto options = bounded(authority.file.string());
    options.proxy.https_proxy = proxy.url();
    options.proxy.no_proxy = "example.com, .localhost";
    http::client client(io.get_executor(), options);

    auto [ec, res] = run(io, send(client, get(server.url("/", "localhost"))));
    BOOST_TEST_REQUIRE(!ec, res.diagnostic);
    BOOST_TEST(server.requests() == 1u);
    BOOST_TEST(proxy.connections() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
