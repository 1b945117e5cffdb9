// One keep-alive connection: TCP or TLS, its buffers, and the two things it does - connect and
// exchange one request for one response. Used by one request at a time; the pool hands it over.
#pragma once

#include "http/tls_context.hpp"

#include <salvo/http/message.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

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
    bool is_open() const noexcept { return tcp().socket().is_open(); }

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
    boost::beast::tcp_stream& tcp() noexcept { return tls_ ? tls_->next_layer() : *plain_; }
    const boost::beast::tcp_stream& tcp() const noexcept {
        return tls_ ? tls_->next_layer() : *plain_;
    }

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
    void take_response(response_parser& parser, response& out);
    // CONNECT on the freshly connected TCP stream; fails unless the proxy answers 2xx.
    boost::asio::awaitable<step_result> open_tunnel(const proxy_route& via);

    // The TLS stream lives out of line: inline, a plaintext connection would carry its 368
    // unused bytes for as long as it is kept (10,000 idle connections: 3.6 MB).
    std::optional<boost::beast::tcp_stream> plain_;
    std::unique_ptr<boost::asio::ssl::stream<boost::beast::tcp_stream>> tls_;
    boost::beast::flat_buffer read_buffer_;
    bool reusable_ = false;
    bool resumed_session_ = false;
    bool cancelled_ = false;
};

}  // namespace salvo::http::detail
