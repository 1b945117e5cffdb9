#include "http/connection.hpp"

#include "http/proxy.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <sys/socket.h>

#include <algorithm>
#include <bit>
#include <cerrno>

namespace salvo::http::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
using boost::system::error_code;

namespace {

// Deferred, not use_awaitable: co_await then keeps the operation in the caller's frame, where
// use_awaitable makes a coroutine frame per operation that stays allocated while it is pending.
constexpr auto nothrow = asio::as_tuple(asio::deferred);

// The same for Beast's initiating functions, which want a token that names its return type:
// `start` gets the handler itself.
template <class Signature, class Start>
auto deferred_beast(Start start) {
    return asio::async_initiate<const decltype(nothrow)&, Signature>(
        [](auto handler, Start s) { s(std::move(handler)); }, nothrow, std::move(start));
}
constexpr std::uint32_t proxy_header_limit = 16 * 1024;

bool is_eof_like(const error_code& ec) {
    return ec == beast::http::error::end_of_stream || ec == asio::error::eof ||
           ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
           ec == asio::error::connection_aborted || ec == asio::ssl::error::stream_truncated;
}

step_result fail(error e, std::string diagnostic) {
    return {make_error_code(e), std::move(diagnostic)};
}

// Maps a failure while reading a response to the engine's error, given whether any byte of
// the response had arrived.
step_result read_failure(const error_code& ec, bool got_some) {
    using he = beast::http::error;
    if (ec == beast::error::timeout) {
        return fail(error::response_timeout, "no complete response before the timeout");
    }
    if (ec == asio::error::operation_aborted) {
        return fail(error::cancelled, "cancelled while waiting for the response");
    }
    if (ec == he::header_limit) {
        return fail(error::header_too_large, "response header exceeds the limit");
    }
    if (ec == he::body_limit) {
        return fail(error::body_too_large, "response body exceeds the limit");
    }
    if (ec == he::partial_message || (got_some && is_eof_like(ec))) {
        return fail(error::truncated_response,
                    "connection closed before the end of the response (" + ec.message() + ")");
    }
    if (is_eof_like(ec)) {
        return fail(error::connection_lost,
                    "connection closed after the request was sent, before any response; the "
                    "outcome is unknown (" +
                        ec.message() + ")");
    }
    if (ec.category() == beast::http::make_error_code(he::bad_version).category()) {
        return fail(error::malformed_response, "malformed response: " + ec.message());
    }
    return fail(error::connection_lost, "reading the response failed: " + ec.message());
}

// What TCP connect messages call the peer: the origin, or the proxy (never its credentials).
std::string peer_name(std::string_view host, const proxy_route* via) {
    return via != nullptr ? "proxy " + via->proxy_name : std::string(host);
}

// A CONNECT that got no usable answer (a refusal is refusal_message).
step_result tunnel_failure(const proxy_route& via, const error_code& ec) {
    const std::string exchange = "CONNECT to " + via.target + " through proxy " + via.proxy_name;
    if (ec == beast::error::timeout) {
        return fail(error::connect_timeout, exchange + " timed out");
    }
    if (ec == asio::error::operation_aborted) {
        return fail(error::cancelled, "cancelled during " + exchange);
    }
    if (is_eof_like(ec)) {
        return fail(error::connect_failed,
                    exchange + ": the proxy closed the connection (" + ec.message() + ")");
    }
    if (ec.category() == beast::http::make_error_code(beast::http::error::bad_version).category()) {
        return fail(error::connect_failed, exchange + ": malformed answer (" + ec.message() + ")");
    }
    return fail(error::connect_failed, exchange + " failed: " + ec.message());
}

std::string tls_failure(SSL* ssl, const error_code& ec) {
    const long verify = SSL_get_verify_result(ssl);
    if (verify != X509_V_OK) {
        return std::string("certificate verification failed: ") +
               X509_verify_cert_error_string(verify);
    }
    return "TLS handshake failed: " + ec.message();
}

// A TCP connect that failed (to the origin, or to the proxy `via`).
step_result connect_failure(const error_code& ec, std::string_view host, const proxy_route* via) {
    if (ec == beast::error::timeout) {
        return fail(error::connect_timeout,
                    "TCP connect to " + peer_name(host, via) + " timed out");
    }
    if (ec == asio::error::operation_aborted) {
        return fail(error::cancelled, "cancelled while connecting");
    }
    return fail(error::connect_failed,
                "connect to " + peer_name(host, via) + " failed: " + ec.message());
}

step_result handshake_failure(const error_code& ec, std::string_view host, SSL* ssl) {
    if (ec == beast::error::timeout) {
        return fail(error::connect_timeout,
                    "TLS handshake with " + std::string(host) + " timed out");
    }
    if (ec == asio::error::operation_aborted) {
        return fail(error::cancelled, "cancelled during the TLS handshake");
    }
    return fail(error::tls_handshake_failed, std::string(host) + ": " + tls_failure(ssl, ec));
}

// A failed write of the request.
step_result write_failure(const error_code& ec) {
    if (ec == asio::error::operation_aborted) {
        return fail(error::cancelled, "cancelled while sending the request");
    }
    if (ec == beast::error::timeout) {
        return fail(error::response_timeout, "sending the request timed out");
    }
    return fail(error::connection_lost, "sending the request failed: " + ec.message());
}

}  // namespace

// Cancellation that arrives between two operations finds none to abort; it is recorded in the
// coroutine's cancellation state (the caller's) or by cancel() (shutdown), and honoured here.
connection::connection(const asio::any_io_executor& executor, asio::ssl::context* tls)
    : timer_(executor) {
    if (tls != nullptr) {
        tls_ = std::make_unique<asio::ssl::stream<socket_type>>(executor, *tls);
    } else {
        plain_.emplace(executor);
    }
}

// On expiry the socket is closed, not cancelled: a range connect moves on to the next address
// when only its current attempt is cancelled, and a connection that timed out is not reused.
void connection::arm(clock::time_point deadline) {
    timed_out_ = false;
    const std::uint32_t arming = armings_.fetch_add(1, std::memory_order_relaxed) + 1;
    timer_.expires_at(deadline);
    auto on_expiry = [self = shared_from_this(), arming](const error_code& ec) {
        if (ec || self->armings_.load(std::memory_order_relaxed) != arming) {
            return;
        }
        self->timed_out_ = true;
        error_code ignored;
        self->socket().close(ignored);
    };
    if (owner) {
        timer_.async_wait(asio::bind_executor(owner, std::move(on_expiry)));
    } else {
        timer_.async_wait(std::move(on_expiry));
    }
}

void connection::disarm() noexcept {
    armings_.fetch_add(1, std::memory_order_relaxed);
    timer_.cancel();
}

error_code connection::why(const error_code& ec) const noexcept {
    return timed_out_ && ec ? error_code(beast::error::timeout) : ec;
}

asio::awaitable<step_result> connection::connect(
    const asio::ip::tcp::resolver::results_type& addresses, std::string_view host,
    const proxy_route* via, bool verify_peer, session_slot* sessions, clock::time_point deadline) {
    const auto state = co_await asio::this_coro::cancellation_state;
    if (stop_requested(state)) {
        co_return fail(error::cancelled, "cancelled before connecting");
    }
    const armed until_return(*this, deadline);  // covers the tunnel and the handshake too
    // Each address in turn until one answers (what asio::async_connect does, without the
    // operation it allocates around each attempt).
    error_code ec = asio::error::not_found;
    for (const auto& address : addresses) {
        auto [attempt_ec] = co_await socket().async_connect(address.endpoint(), nothrow);
        ec = why(attempt_ec);
        if (!ec || ec == beast::error::timeout || ec == asio::error::operation_aborted) {
            break;
        }
        close_socket();
    }
    if (ec) {
        co_return connect_failure(ec, host, via);
    }
    set_no_delay();
    if (via != nullptr) {
        step_result tunnel = co_await open_tunnel(*via);
        if (!tunnel) {
            co_return tunnel;
        }
    }
    if (!tls_) {
        co_return step_result{};
    }
    if (stop_requested(state)) {
        co_return fail(error::cancelled, "cancelled before the TLS handshake");
    }
    prepare_connection(tls_->native_handle(), host, verify_peer, sessions);
    auto [handshake_ec] = co_await tls_->async_handshake(asio::ssl::stream_base::client, nothrow);
    if (handshake_ec) {
        co_return handshake_failure(why(handshake_ec), host, tls_->native_handle());
    }
    resumed_session_ = SSL_session_reused(tls_->native_handle()) == 1;
    co_return step_result{};
}

void connection::set_no_delay() noexcept {
    error_code ignored;
    socket().set_option(asio::ip::tcp::no_delay(true), ignored);
}

void connection::close_socket() noexcept {
    error_code ignored;
    socket().close(ignored);
}

asio::awaitable<step_result> connection::open_tunnel(const proxy_route& via) {
    const auto state = co_await asio::this_coro::cancellation_state;
    if (stop_requested(state)) {
        co_return fail(error::cancelled, "cancelled before CONNECT");
    }
    const auto request = asio::buffer(via.connect_request);
    auto [wec, written] = co_await asio::async_write(socket(), request, nothrow);
    if (wec) {
        co_return tunnel_failure(via, why(wec));
    }
    // Only the header is read: a 2xx answer to CONNECT has no body, and any other ends here.
    beast::flat_buffer buffer;
    beast::http::response_parser<beast::http::empty_body> parser;
    parser.header_limit(proxy_header_limit);
    parser.skip(true);
    auto [rec, read] = co_await deferred_beast<void(error_code, std::size_t)>([&](auto handler) {
        beast::http::async_read(socket(), buffer, parser, std::move(handler));
    });
    if (rec) {
        co_return tunnel_failure(via, why(rec));
    }
    const auto& answer = parser.get();
    if (answer.result_int() / 100 != 2) {
        // 403 and 407 are the proxy's policy (or our credentials): the same CONNECT would meet
        // the same answer, so they are not retried. Other refusals (502, 503...) may pass.
        const bool policy = answer.result_int() == 403 || answer.result_int() == 407;
        co_return fail(policy ? error::proxy_refused : error::connect_failed,
                       refusal_message(via, answer.result_int(), answer.reason()));
    }
    // The origin speaks only after we do (TLS or HTTP): earlier bytes break the tunnel.
    if (buffer.size() != 0) {
        co_return tunnel_failure(via, beast::http::error::unexpected_body);
    }
    co_return step_result{};
}

asio::awaitable<step_result> connection::exchange(std::string_view wire, bool head,
                                                  const exchange_limits& limits,
                                                  clock::time_point deadline, response& out) {
    const auto state = co_await asio::this_coro::cancellation_state;
    reusable_ = false;
    if (stop_requested(state)) {
        co_return fail(error::cancelled, "cancelled before sending the request");
    }
    const armed until_return(*this, deadline);
    const auto buffer = asio::buffer(wire.data(), wire.size());
    auto [write_ec, written] =
        co_await deferred_beast<void(error_code, std::size_t)>([&](auto handler) {
            on_stream([&](auto& s) { asio::async_write(s, buffer, std::move(handler)); });
        });
    if (write_ec) {
        out.delivery = written == 0 && !tls_ ? delivery::not_sent : delivery::sent;
        co_return write_failure(why(write_ec));
    }
    out.delivery = delivery::sent;
    if (stop_requested(state)) {
        co_return fail(error::cancelled,
                       "cancelled after sending the request; the outcome is unknown");
    }

    response_parser parser;
    parser.header_limit(static_cast<std::uint32_t>(limits.header_limit));
    parser.body_limit(limits.body_limit);
    parser.skip(head);
    auto [rec, read] = co_await deferred_beast<void(error_code, std::size_t)>([&](auto handler) {
        on_stream(
            [&](auto& s) { beast::http::async_read(s, read_buffer_, parser, std::move(handler)); });
    });
    if (parser.got_some()) {
        out.delivery = delivery::answered;
    }
    if (rec) {
        co_return read_failure(why(rec), parser.got_some());
    }
    take_response(parser, out, read);
    co_return step_result{};
}

// Out of the coroutine, so the message takes no room in its frame; moved from the parser in
// place (release() would move it once more).
void connection::take_response(response_parser& parser, response& out, std::size_t size) {
    fit_read_buffer(size);
    auto& message = parser.get();
    out.status = message.result_int();
    // Bytes beyond the response mean the server broke framing: never reuse the connection.
    // Nor one the deadline closed as the response completed.
    reusable_ = message.keep_alive() && read_buffer_.size() == 0 && !timed_out_;
    out.body = std::move(message.body());
    out.headers = std::move(message.base());
    ++requests_served;
}

// Beast reads into what the buffer has room for, 512 bytes at first: a connection whose answers
// are larger would read each in two system calls or more. Grown once to the power of two that
// holds the last answer (up to 16 KiB), the next one of that size takes one read; connections
// with small answers keep their 512 bytes.
void connection::fit_read_buffer(std::size_t answer_size) {
    constexpr std::size_t most = 16 * 1024;
    const std::size_t capacity = read_buffer_.capacity();
    if (answer_size > capacity && capacity < most && read_buffer_.size() == 0) {
        read_buffer_.reserve(std::min(std::bit_ceil(answer_size), most));
    }
}

bool connection::peer_closed() const noexcept {
    char byte;
    const auto fd = const_cast<connection*>(this)->socket().native_handle();
    const ssize_t n = ::recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return !(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
}

void connection::cancel() noexcept {
    cancelled_ = true;
    error_code ignored;
    socket().cancel(ignored);
}

connection::~connection() {
    close();
}

void connection::close() noexcept {
    if (tls_) {
        // Closing without close_notify would make OpenSSL mark the session not resumable; an
        // HTTP client ends connections at message boundaries, so the session is sound.
        SSL_set_shutdown(tls_->native_handle(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    }
    error_code ignored;
    socket().shutdown(socket_type::shutdown_both, ignored);
    socket().close(ignored);
    reusable_ = false;
}

}  // namespace salvo::http::detail
