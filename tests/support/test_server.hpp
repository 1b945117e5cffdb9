// An in-process HTTP/1.1 server on 127.0.0.1 for the engine's tests: plain or TLS, scripted per
// request, counting what it sees (connections, concurrency, requests, resumed TLS sessions).
#pragma once

#include <salvo/tls/certificate.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/verb.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace salvo::testing {

struct seen_request {
    boost::beast::http::verb method;
    std::string target;
    boost::beast::http::fields headers;
    std::string body;
    std::size_t connection = 0;  // 1-based, in accept order
    std::size_t index = 0;       // 0-based position on its connection
};

// What the server does with one request.
struct reply {
    enum class kind {
        respond,  // an HTTP response
        raw,      // `raw` bytes as they are, then close
        close,    // close the connection without answering
        hang,     // never answer; keep the connection open
    };
    kind what = kind::respond;
    unsigned status = 200;
    std::string body = "{}";
    std::vector<std::pair<std::string, std::string>> headers;
    std::string raw;
    bool close_after = false;            // close after responding, though announcing keep-alive
    bool connection_close = false;       // answer with "Connection: close" and close
    std::chrono::milliseconds delay{0};  // wait (asynchronously) before answering

    static reply ok(std::string body = "{}") {
        reply r;
        r.body = std::move(body);
        return r;
    }
    static reply of(kind k) {
        reply r;
        r.what = k;
        return r;
    }
};

using request_handler = std::function<reply(const seen_request&)>;

class test_server {
  public:
    // Plain HTTP unless `certificate` is given.
    explicit test_server(request_handler handler, std::optional<tls::pem_pair> certificate = {},
                         int threads = 1);
    ~test_server();
    test_server(const test_server&) = delete;
    test_server& operator=(const test_server&) = delete;

    std::uint16_t port() const noexcept { return port_; }
    // "http(s)://127.0.0.1:PORT" + path
    std::string url(const std::string& path = "/", const std::string& host = "127.0.0.1") const;

    std::size_t connections() const noexcept { return connections_.load(); }
    std::size_t max_concurrent_connections() const noexcept { return max_open_.load(); }
    std::size_t max_concurrent_requests() const noexcept { return max_active_.load(); }
    std::size_t requests() const noexcept { return requests_.load(); }
    std::size_t resumed_handshakes() const noexcept { return resumed_.load(); }
    std::size_t open_connections() const noexcept { return open_.load(); }
    // Requests read and not yet answered (a reply's delay included), this one counted.
    std::size_t active_requests() const noexcept { return active_.load(); }

    // Closes every connection that sits idle between requests, and waits until it is done.
    void close_idle_connections();

    void stop();

  private:
    struct state;
    std::shared_ptr<state> state_;
    std::uint16_t port_ = 0;
    std::atomic<std::size_t> connections_{0}, open_{0}, max_open_{0}, active_{0}, max_active_{0},
        requests_{0}, resumed_{0};
    std::vector<std::thread> threads_;
    friend struct server_access;
};

}  // namespace salvo::testing
