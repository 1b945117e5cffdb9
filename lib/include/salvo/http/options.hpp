// Tuning of the engine. The defaults suit a remote SaaS API over TLS.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace salvo::http {

struct tls_options {
    bool verify_peer = true;  // false only with an explicit --insecure
    std::string ca_file;      // PEM bundle to trust instead of the system store
    bool session_resumption = true;
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
};

}  // namespace salvo::http
