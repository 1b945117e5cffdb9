// A scripted TCP server on 127.0.0.1 for hostile-server tests: each accepted connection runs a
// coroutine the test writes (drip bytes, never read, answer and keep going, stall a handshake),
// on the server's own thread. Destroying the server stops it and abandons what is pending.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace salvo::hostile {

using tcp = boost::asio::ip::tcp;

// What one connection does. `index` is 1-based, in accept order.
using connection_script = std::function<boost::asio::awaitable<void>(tcp::socket&, std::size_t)>;

class raw_server {
  public:
    // `receive_buffer`: SO_RCVBUF of accepted sockets (0: the system default), so a server
    // that never reads fills up with little data.
    explicit raw_server(connection_script script, int receive_buffer = 0);
    ~raw_server();
    raw_server(const raw_server&) = delete;
    raw_server& operator=(const raw_server&) = delete;

    std::uint16_t port() const noexcept { return port_; }
    std::string url(const std::string& scheme, const std::string& path = "/",
                    const std::string& host = "127.0.0.1") const;
    std::size_t connections() const noexcept { return connections_.load(); }

  private:
    boost::asio::awaitable<void> accept_loop();

    connection_script script_;  // outlives io_: pending script frames are destroyed with io_
    boost::asio::io_context io_;
    tcp::acceptor acceptor_;
    std::uint16_t port_ = 0;
    std::atomic<std::size_t> connections_{0};
    std::thread thread_;
};

// The Content-Length of a request head, 0 when absent.
std::size_t content_length(std::string_view head);

// Helpers for scripts. Each returns false when the peer closed or an error occurred.

// Reads one request head (through the blank line) and its Content-Length body from `stream`
// (a socket or a TLS stream), keeping bytes beyond them in `buffer`; false on EOF or error.
template <class Stream>
boost::asio::awaitable<bool> read_request(Stream& stream, std::string& buffer) {
    namespace asio = boost::asio;
    constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
    auto [ec, head] =
        co_await asio::async_read_until(stream, asio::dynamic_buffer(buffer), "\r\n\r\n", nothrow);
    if (ec) {
        co_return false;
    }
    const std::size_t body = content_length(std::string_view(buffer).substr(0, head));
    if (buffer.size() < head + body) {
        auto [rec, n] =
            co_await asio::async_read(stream, asio::dynamic_buffer(buffer),
                                      asio::transfer_exactly(head + body - buffer.size()), nothrow);
        if (rec) {
            co_return false;
        }
    }
    buffer.erase(0, head + body);
    co_return true;
}

boost::asio::awaitable<bool> write_all(tcp::socket& socket, std::string_view bytes);

// Waits (asynchronously) for `d`.
boost::asio::awaitable<void> pause(std::chrono::steady_clock::duration d);

// Never completes while the server runs: keeps the connection open and unread.
boost::asio::awaitable<void> hang_forever();

// A server TLS context for `certificate` (PEM pair) accepting only TLS 1.0 when `tls10_only`.
boost::asio::ssl::context server_tls_context(const std::string& certificate_pem,
                                             const std::string& key_pem, bool tls10_only = false);

}  // namespace salvo::hostile
