#include <salvo/http/prometheus.hpp>
#include <salvo/policy/classification.hpp>

#include <charconv>
#include <cstdint>

namespace salvo::http {
namespace {

bool name_char(char c, bool first) noexcept {
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    return letter || (!first && c >= '0' && c <= '9');
}

// Metric names match [a-zA-Z_:][a-zA-Z0-9_:]*.
std::string sanitized(std::string_view prefix) {
    std::string out;
    out.reserve(prefix.size() + 1);
    for (char c : prefix) {
        out += name_char(c, out.empty()) ? c : '_';
    }
    if (!out.empty() && out.back() != '_') {
        out += '_';
    }
    return out;
}

class exposition {
  public:
    explicit exposition(std::string_view prefix) : prefix_(sanitized(prefix)) {
        out_.reserve(4096);
    }

    // "# HELP" and "# TYPE" once per metric family.
    void family(std::string_view name, std::string_view type, std::string_view help) {
        out_ += "# HELP ";
        put_name(name);
        out_ += ' ';
        out_ += help;
        out_ += "\n# TYPE ";
        put_name(name);
        out_ += ' ';
        out_ += type;
        out_ += '\n';
    }

    void sample(std::string_view name, std::uint64_t value, std::string_view label = {},
                std::string_view label_value = {}) {
        head(name, label, label_value);
        char buf[24];
        out_.append(buf, std::to_chars(buf, buf + sizeof buf, value).ptr);
        out_ += '\n';
    }

    void seconds(std::string_view name, std::uint64_t us, std::string_view label = {},
                 std::string_view label_value = {}) {
        head(name, label, label_value);
        char buf[32];
        out_.append(buf, std::to_chars(buf, buf + sizeof buf, static_cast<double>(us) / 1e6).ptr);
        out_ += '\n';
    }

    std::string take() && { return std::move(out_); }

  private:
    void put_name(std::string_view name) {
        out_ += prefix_;
        out_ += name;
    }

    // Label values here are fixed identifiers: no escaping needed.
    void head(std::string_view name, std::string_view label, std::string_view label_value) {
        put_name(name);
        if (!label.empty()) {
            out_ += '{';
            out_ += label;
            out_ += "=\"";
            out_ += label_value;
            out_ += "\"}";
        }
        out_ += ' ';
    }

    std::string prefix_;
    std::string out_;
};

}  // namespace

std::string_view metric_name(error e) noexcept {
    switch (e) {
        case error::invalid_request:
            return "invalid_request";
        case error::resolve_failed:
            return "resolve_failed";
        case error::connect_failed:
            return "connect_failed";
        case error::tls_handshake_failed:
            return "tls_handshake_failed";
        case error::connect_timeout:
            return "connect_timeout";
        case error::pool_timeout:
            return "pool_timeout";
        case error::connection_lost:
            return "connection_lost";
        case error::response_timeout:
            return "response_timeout";
        case error::malformed_response:
            return "malformed_response";
        case error::header_too_large:
            return "header_too_large";
        case error::body_too_large:
            return "body_too_large";
        case error::truncated_response:
            return "truncated_response";
        case error::cancelled:
            return "cancelled";
        case error::shutdown:
            return "shutdown";
        case error::retry_deadline:
            return "retry_deadline";
        case error::proxy_refused:
            return "proxy_refused";
    }
    return "unknown";
}

std::string to_prometheus(const metrics_snapshot& m, std::string_view prefix) {
    exposition x(prefix);

    x.family("requests_total", "counter", "Requests completed, successfully or not.");
    x.sample("requests_total", m.requests);
    x.family("failures_total", "counter", "Requests that completed with an error.");
    x.sample("failures_total", m.failures);
    x.family("errors_total", "counter", "Failed requests by engine error.");
    for (std::size_t i = 1; i < error_kinds; ++i) {
        x.sample("errors_total", m.errors[i], "error", metric_name(static_cast<error>(i)));
    }

    x.family("connections_opened_total", "counter", "Connections opened (TCP, and TLS if https).");
    x.sample("connections_opened_total", m.connections_opened);
    x.family("connections_reused_total", "counter", "Requests sent on a kept-alive connection.");
    x.sample("connections_reused_total", m.connections_reused);
    x.family("tls_handshakes_total", "counter", "TLS handshakes by kind.");
    x.sample("tls_handshakes_total", m.tls_handshakes_full, "kind", "full");
    x.sample("tls_handshakes_total", m.tls_handshakes_resumed, "kind", "resumed");
    x.family("stale_retries_total", "counter",
             "Transparent retries after a kept-alive connection turned out closed.");
    x.sample("stale_retries_total", m.stale_retries);
    x.family("dns_lookups_total", "counter", "DNS queries made; a burst to a new host shares one.");
    x.sample("dns_lookups_total", m.dns_lookups);

    x.family("retries_total", "counter", "Policy retries by cause.");
    for (std::size_t i = 1; i < retry_causes; ++i) {
        x.sample("retries_total", m.retries[i], "cause",
                 policy::to_string(static_cast<policy::retry_cause>(i)));
    }
    x.family("retries_given_up_total", "counter",
             "Retryable failures not retried: out of attempts, budget or time.");
    x.sample("retries_given_up_total", m.retries_given_up);
    x.family("retry_wait_seconds_total", "counter", "Time spent in backoff and Retry-After waits.");
    x.seconds("retry_wait_seconds_total", m.retry_wait_us);
    x.family("rate_wait_seconds_total", "counter", "Time spent waiting for the rate limiter.");
    x.seconds("rate_wait_seconds_total", m.rate_wait_us);

    // Quantiles of the engine's histogram (about 9% resolution); quantile 1 is the maximum.
    x.family("request_duration_seconds", "summary",
             "Request latency, retries and waits included, since the client started.");
    x.seconds("request_duration_seconds", m.latency_p50_us, "quantile", "0.5");
    x.seconds("request_duration_seconds", m.latency_p90_us, "quantile", "0.9");
    x.seconds("request_duration_seconds", m.latency_p99_us, "quantile", "0.99");
    x.seconds("request_duration_seconds", m.latency_max_us, "quantile", "1");
    x.sample("request_duration_seconds_count", m.requests);
    return std::move(x).take();
}

}  // namespace salvo::http
