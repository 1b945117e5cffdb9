// salvo-mock as a library: an Open Connectors instance API on loopback that fails on request.
//
//     salvo::mock::server mock({.faults = salvo::mock::fault_spec::parse("503=0.1")});
//     mock.start();  // mock.base_url() is "http://127.0.0.1:<port>/elements/api-v2"
#pragma once

#include <salvo/mock/fault_plan.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace salvo::mock {

inline constexpr std::string_view api_prefix = "/elements/api-v2";
inline constexpr std::string_view default_user_secret = "salvo-demo-user-secret";
inline constexpr std::string_view default_org_secret = "salvo-demo-org-secret";

struct server_options {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;  // 0: any free port, see server::port()
    std::string user_secret = std::string(default_user_secret);
    std::string org_secret = std::string(default_org_secret);
    bool tls = false;
    std::string certificate_pem{};  // with tls; both empty: a generated self-signed certificate
    std::string private_key_pem{};
    fault_spec faults{};
    std::uint64_t seed = 1;
    unsigned threads = 2;
    std::chrono::milliseconds latency{0};   // added to every API answer
    std::chrono::seconds idle_timeout{60};  // a connection idle this long is closed
    std::size_t body_limit = 1 << 20;
};

// The admin view (`GET /_mock/stats`), counted since start or the last reset.
struct stats {
    std::uint64_t requests = 0;            // HTTP requests read, admin ones included
    std::uint64_t posts = 0;               // POSTs to a create path, whatever became of them
    std::uint64_t creates = 0;             // instances created, answered or not
    std::uint64_t deletes = 0;             // instances deleted
    std::uint64_t instances = 0;           // instances that exist now
    std::uint64_t connections = 0;         // connections accepted
    std::uint64_t capped_connections = 0;  // closed by max-requests-per-conn
    std::map<std::string, std::uint64_t, std::less<>> faults;      // injected, by fault_name
    std::map<std::string, std::uint64_t, std::less<>> duplicates;  // names existing > once

    std::uint64_t count(fault f) const;
    std::uint64_t faults_total() const;
};

class server {
  public:
    explicit server(server_options options = {});
    ~server();  // stops
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    // Binds, listens and starts `threads` threads. Throws std::system_error (e.g. port in use).
    void start();
    // Closes every connection and joins the threads; idempotent. Not from a handler's thread.
    void stop();

    std::uint16_t port() const;
    std::string base_url() const;                // "http(s)://HOST:PORT/elements/api-v2"
    const std::string& certificate_pem() const;  // what clients should trust (TLS only)
    const server_options& options() const;

    stats snapshot() const;
    void reset();  // forgets instances and counters, like `POST /_mock/reset`

  private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace salvo::mock
