// One keep-alive connection: TCP or TLS, its buffers, and the two things it does - connect and
// exchange one request for one response. Used by one request at a time; the pool hands it over.
#pragma once

#include "http/tls_context.hpp"

#include <salvo/http/message.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace salvo::http::detail {

// The outcome of one step, with an account of what went wrong when it did.
struct step_result {
    boost::system::error_code ec;
    std::string diagnostic;
    explicit operator bool() const noexcept { return !ec; }
};

struct proxy_route;

struct exchange_limits {
    std::size_t header_limit;
    std::size_t body_limit;
};

class connection : public std::enable_shared_from_this<connection> {
  public:
    connection(const boost::asio::any_io_executor& executor, boost::asio::ssl::context* tls);
    ~connection();
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    bool is_tls() const noexcept { return tls_ != nullptr; }
    bool is_open() const noexcept { return socket().is_open(); }

    // TCP connect to the first reachable address, then the TLS handshake; all before `deadline`.
    // Through a proxy (`via`), the addresses are the proxy's and a CONNECT tunnel to the origin
    // comes between the two; TLS still verifies `host`, the origin.
    boost::asio::awaitable<step_result> connect(
        const boost::asio::ip::tcp::resolver::results_type& addresses, std::string_view host,
        const proxy_route* via, bool verify_peer, session_slot* sessions,
        clock::time_point deadline);
    bool resumed_session() const noexcept { return resumed_session_; }

    // Writes `wire` (a serialized request) and reads one response into `out`. Sets
    // out.delivery as it goes. `head` skips the body (a response to HEAD).
    boost::asio::awaitable<step_result> exchange(std::string_view wire, bool head,
                                                 const exchange_limits& limits,
                                                 clock::time_point deadline, response& out);

    // True if the peer closed this idle connection (or sent something unasked): a non-blocking
    // peek, so a request is not written into a connection known to be dead.
    bool peer_closed() const noexcept;

    // May the connection carry another request? (keep-alive, no stray bytes after the response)
    bool reusable() const noexcept { return reusable_; }

    void close() noexcept;
    void cancel() noexcept;  // fails the pending operation with operation_aborted

    std::string write_buffer;  // the serialized request; capacity reused across requests
    std::size_t requests_served = 0;
    clock::time_point idle_since{};
    // Bookkeeping of the pool that owns it, under the pool's lock.
    boost::asio::any_io_executor owner;  // the strand of the request using it
    std::size_t active_index = 0;

  private:
    using socket_type = boost::asio::ip::tcp::socket;
    socket_type& socket() noexcept { return tls_ ? tls_->next_layer() : *plain_; }
    const socket_type& socket() const noexcept { return tls_ ? tls_->next_layer() : *plain_; }

    // The deadline of the steps that follow: one timer per connection, armed once per step
    // (connect with its tunnel and handshake; write with read), whose expiry cancels the
    // socket's pending operation. Its handler runs on `owner`, the strand of the operations it
    // cancels; a handler left from an earlier arming finds `armings_` moved on and does nothing.
    void arm(clock::time_point deadline);
    void disarm() noexcept;
    struct armed {  // armed for as long as it lives
        armed(connection& target, clock::time_point deadline) : conn(target) { conn.arm(deadline); }
        ~armed() { conn.disarm(); }
        armed(const armed&) = delete;
        armed& operator=(const armed&) = delete;
        connection& conn;
    };
    void set_no_delay() noexcept;
    void close_socket() noexcept;
    // The error a step reports: a failure after the deadline fired is the deadline's doing.
    boost::system::error_code why(const boost::system::error_code& ec) const noexcept;

    // Calls f with the stream requests go through (to start an operation on it). (Not a ?:
    // inside co_await: GCC 12 miscompiles conditional expressions there.)
    template <class F>
    auto on_stream(F&& f) {
        if (tls_) {
            return f(*tls_);
        }
        return f(*plain_);
    }

    // Whether to stop before the next step: cancel() was called, or the caller's cancellation
    // slot fired (`state` is the coroutine's, read once per coroutine: a plain check, where a
    // coroutine of its own would cost a frame per step).
    bool stop_requested(const boost::asio::cancellation_state& state) const noexcept {
        return cancelled_ || state.cancelled() != boost::asio::cancellation_type::none;
    }
    using response_parser = boost::beast::http::response_parser<boost::beast::http::string_body>;
    // `size`: the answer's bytes, as read.
    void take_response(response_parser& parser, response& out, std::size_t size);
    void fit_read_buffer(std::size_t answer_size);
    // CONNECT on the freshly connected TCP stream; fails unless the proxy answers 2xx.
    boost::asio::awaitable<step_result> open_tunnel(const proxy_route& via);

    // The TLS stream lives out of line: inline, a plaintext connection would carry its 368
    // unused bytes for as long as it is kept (10,000 idle connections: 3.6 MB).
    std::optional<socket_type> plain_;
    std::unique_ptr<boost::asio::ssl::stream<socket_type>> tls_;
    boost::asio::steady_timer timer_;
    std::atomic<std::uint32_t> armings_{0};
    boost::beast::flat_buffer read_buffer_;
    bool timed_out_ = false;
    bool reusable_ = false;
    bool resumed_session_ = false;
    bool cancelled_ = false;
};

}  // namespace salvo::http::detail
