// to_prometheus: the exposition format line by line, prefixes, and a live client's counters.
#include <salvo/http/client.hpp>
#include <salvo/http/prometheus.hpp>
#include <salvo/policy/classification.hpp>

#include "support/prometheus_check.hpp"
#include "support/run.hpp"
#include "support/test_server.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

namespace asio = boost::asio;
using namespace salvo;
using salvo::testing::check_exposition_format;
using salvo::testing::lines_of;
using salvo::testing::reply;
using salvo::testing::seen_request;
using salvo::testing::test_server;

namespace {

bool has_line(const std::string& text, const std::string& line) {
    for (const auto& l : lines_of(text)) {
        if (l == line) {
            return true;
        }
    }
    return false;
}

http::metrics_snapshot sample_snapshot() {
    http::metrics_snapshot m;
    m.requests = 1200;
    m.failures = 5;
    m.connections_opened = 64;
    m.connections_reused = 1136;
    m.tls_handshakes_full = 1;
    m.tls_handshakes_resumed = 63;
    m.stale_retries = 2;
    m.errors[static_cast<std::size_t>(http::error::connect_failed)] = 3;
    m.errors[static_cast<std::size_t>(http::error::response_timeout)] = 2;
    m.retries[static_cast<std::size_t>(policy::retry_cause::throttled)] = 17;
    m.retries[static_cast<std::size_t>(policy::retry_cause::server_error)] = 4;
    m.retries_given_up = 1;
    m.retry_wait_us = 2'500'000;
    m.rate_wait_us = 125'000;
    m.latency_p50_us = 40'000;
    m.latency_p90_us = 120'000;
    m.latency_p99_us = 418'000;
    m.latency_max_us = 1'250'000;
    return m;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(prometheus)

BOOST_AUTO_TEST_CASE(every_counter_in_exposition_format) {
    const std::string text = http::to_prometheus(sample_snapshot());
    BOOST_TEST_MESSAGE(text);
    check_exposition_format(text);
    for (const char* line : {
             "# TYPE salvo_http_requests_total counter",
             "salvo_http_requests_total 1200",
             "salvo_http_failures_total 5",
             "salvo_http_connections_opened_total 64",
             "salvo_http_connections_reused_total 1136",
             R"(salvo_http_tls_handshakes_total{kind="full"} 1)",
             R"(salvo_http_tls_handshakes_total{kind="resumed"} 63)",
             "salvo_http_stale_retries_total 2",
             R"(salvo_http_errors_total{error="connect_failed"} 3)",
             R"(salvo_http_errors_total{error="response_timeout"} 2)",
             R"(salvo_http_errors_total{error="retry_deadline"} 0)",
             R"(salvo_http_errors_total{error="proxy_refused"} 0)",
             R"(salvo_http_retries_total{cause="throttled"} 17)",
             R"(salvo_http_retries_total{cause="server_error"} 4)",
             R"(salvo_http_retries_total{cause="not_sent"} 0)",
             "salvo_http_retries_given_up_total 1",
             "salvo_http_retry_wait_seconds_total 2.5",
             "salvo_http_rate_wait_seconds_total 0.125",
             "# TYPE salvo_http_request_duration_seconds summary",
             R"(salvo_http_request_duration_seconds{quantile="0.5"} 0.04)",
             R"(salvo_http_request_duration_seconds{quantile="0.9"} 0.12)",
             R"(salvo_http_request_duration_seconds{quantile="0.99"} 0.418)",
             R"(salvo_http_request_duration_seconds{quantile="1"} 1.25)",
             "salvo_http_request_duration_seconds_count 1200",
         }) {
        BOOST_TEST(has_line(text, line), line);
    }
    // "none" is not a cause of a retry; error 0 is not an error.
    BOOST_TEST(text.find(R"(cause="none")") == std::string::npos);
    BOOST_TEST(text.find(R"(error="unknown")") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(one_label_per_error_and_cause) {
    const std::string text = http::to_prometheus(http::metrics_snapshot{});
    std::size_t errors = 0, causes = 0;
    for (const auto& line : lines_of(text)) {
        errors += line.starts_with("salvo_http_errors_total{") ? 1 : 0;
        causes += line.starts_with("salvo_http_retries_total{") ? 1 : 0;
    }
    BOOST_TEST(errors == http::error_kinds - 1);
    BOOST_TEST(causes == http::retry_causes - 1);
    for (std::size_t i = 1; i < http::error_kinds; ++i) {
        BOOST_TEST(http::metric_name(static_cast<http::error>(i)) != "unknown");
    }
    BOOST_TEST(http::metric_name(http::error::pool_timeout) == "pool_timeout");
}

BOOST_AUTO_TEST_CASE(prefixes) {
    const auto snapshot = sample_snapshot();
    const std::string custom = http::to_prometheus(snapshot, "billing_api");
    BOOST_TEST(has_line(custom, "billing_api_requests_total 1200"));
    check_exposition_format(custom);

    const std::string bare = http::to_prometheus(snapshot, "");
    BOOST_TEST(has_line(bare, "requests_total 1200"));
    check_exposition_format(bare);

    // Characters a metric name cannot hold become '_'.
    const std::string odd = http::to_prometheus(snapshot, "9 my-app.");
    BOOST_TEST(has_line(odd, "__my_app_requests_total 1200"), odd.substr(0, 200));
    check_exposition_format(odd);

    const std::string trailing = http::to_prometheus(snapshot, "svc_");
    BOOST_TEST(has_line(trailing, "svc_requests_total 1200"));
}

BOOST_AUTO_TEST_CASE(a_live_client) {
    test_server server([](const seen_request&) { return reply::ok(R"({"ok":true})"); });
    std::uint16_t closed_port = 0;
    {
        test_server closed([](const seen_request&) { return reply::ok(); });
        closed_port = closed.port();
    }
    asio::io_context io;
    http::client_options options;
    options.retry.max_attempts = 2;  // one retry of the refused connection
    options.retry.backoff.base = std::chrono::milliseconds(1);
    http::client client(io.get_executor(), options);
    for (int i = 0; i < 3; ++i) {
        auto [ec, res] = salvo::testing::run(
            io, salvo::testing::send(client, salvo::testing::get(server.url("/ping"))));
        BOOST_TEST(!ec, ec.message());
        BOOST_TEST(res.status == 200u);
    }
    auto [ec, res] = salvo::testing::run(
        io,
        salvo::testing::send(
            client, salvo::testing::get("http://127.0.0.1:" + std::to_string(closed_port) + "/")));
    BOOST_TEST((ec == http::error::connect_failed), ec.message());

    const std::string text = http::to_prometheus(client.metrics());
    check_exposition_format(text);
    BOOST_TEST(has_line(text, "salvo_http_requests_total 4"), text);
    BOOST_TEST(has_line(text, "salvo_http_failures_total 1"));
    BOOST_TEST(has_line(text, R"(salvo_http_errors_total{error="connect_failed"} 1)"));
    BOOST_TEST(has_line(text, R"(salvo_http_retries_total{cause="not_sent"} 1)"));
    BOOST_TEST(has_line(text, "salvo_http_connections_opened_total 1"));
    BOOST_TEST(has_line(text, "salvo_http_connections_reused_total 2"));
    BOOST_TEST(has_line(text, "salvo_http_request_duration_seconds_count 4"));
}

BOOST_AUTO_TEST_SUITE_END()
