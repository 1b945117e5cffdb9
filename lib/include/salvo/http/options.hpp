// Tuning of the engine. The defaults suit a remote SaaS API over TLS.
#pragma once

#include <salvo/policy/concurrency_limit.hpp>
#include <salvo/policy/rate_limiter.hpp>
#include <salvo/policy/retry.hpp>
#include <salvo/policy/retry_budget.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace salvo::http {

struct tls_options {
    bool verify_peer = true;  // false only with an explicit --insecure
    std::string ca_file;      // PEM bundle to trust instead of the system store
    bool session_resumption = true;
};

// An HTTP proxy reached with CONNECT, chosen per origin as curl chooses (docs/embedding.md,
// "Proxies"). Empty: connect directly. The engine never reads the environment by itself.
struct proxy_options {
    std::string https_proxy;  // for https:// origins: "http://[user:password@]host[:port]"
    std::string http_proxy;   // for http:// origins; the same form
    // Origins reached directly: "host, .domain, 10.0.0.1, 10.0.0.0/8, [::1]"; "*": all of them.
    std::string no_proxy;

    // https_proxy / HTTPS_PROXY, http_proxy / HTTP_PROXY, no_proxy / NO_PROXY (lowercase first).
    static proxy_options from_environment();
};

struct client_options {
    std::size_t max_connections_per_origin = 64;
    std::chrono::steady_clock::duration connect_timeout = std::chrono::seconds(10);
    std::chrono::steady_clock::duration attempt_timeout = std::chrono::seconds(30);
    std::chrono::steady_clock::duration request_timeout = std::chrono::seconds(120);
    std::chrono::steady_clock::duration idle_timeout = std::chrono::seconds(30);
    std::chrono::steady_clock::duration dns_ttl = std::chrono::seconds(60);
    std::size_t max_requests_per_connection = 0;  // 0: unlimited
    std::size_t header_limit = 64 * 1024;
    std::size_t body_limit = 8 * 1024 * 1024;
    std::string user_agent = "salvo/0.1";
    tls_options tls;
    proxy_options proxy;  // none; an invalid proxy URL makes the constructor throw

    // Resilience (docs/policy.md). Applied per attempt; a request opts out with retry = false.
    policy::retry_policy retry;           // 5 attempts, full-jitter backoff 100 ms .. 20 s
    bool retry_budget = true;             // per origin: retries stop when most requests fail
    policy::retry_budget_options budget;  // 500 tokens, 5 per retry, 10 after a timeout
    policy::rate_limit rate;              // per origin, requests/s with burst; 0: unlimited
    // AIMD on 429/503: the in-flight cap per origin shrinks on throttling and grows back, up
    // to max_connections_per_origin (which replaces concurrency.max).
    bool adaptive_concurrency = false;
    policy::concurrency_limit_options concurrency;
    std::uint64_t seed = 0;  // for backoff jitter; 0: from std::random_device
    // True when one thread runs the client's executor (an io_context run by one thread, or a
    // strand): requests then skip their own strand. Wrong when several threads run it.
    bool single_threaded = false;
};

}  // namespace salvo::http
