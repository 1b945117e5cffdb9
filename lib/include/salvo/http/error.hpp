// Errors of the HTTP engine, in salvo's own error category.
#pragma once

#include <boost/system/error_code.hpp>

#include <type_traits>

namespace salvo::http {

enum class error {
    // The request was never written: safe to retry whatever its method.
    invalid_request = 1,   // bad URL, unsupported scheme
    resolve_failed,        // DNS lookup failed
    connect_failed,        // TCP connect failed on every resolved address
    tls_handshake_failed,  // TLS handshake or certificate verification failed
    connect_timeout,       // DNS + TCP + TLS did not finish within the connect timeout
    pool_timeout,          // no connection became free before the request's deadline
    // The request was written (perhaps partly) and no complete answer came back: the server
    // may or may not have processed it.
    connection_lost,   // closed or reset after the request was written
    response_timeout,  // no complete response within the attempt timeout or deadline
    // An answer came back but it is unusable.
    malformed_response,  // not HTTP/1.x, bad status line, bad chunk, bad header
    header_too_large,    // response header over the configured limit
    body_too_large,      // response body over the configured limit
    truncated_response,  // the connection closed before Content-Length bytes arrived
    // Local decisions.
    cancelled,  // the caller cancelled the operation
    shutdown,   // client::shutdown() was called
    // Retry policy.
    retry_deadline,  // a retry was due, but its wait would pass the request's deadline
    // Proxy.
    proxy_refused,  // the proxy answered CONNECT with 403 or 407: its policy, not a blip
};

// How far a failed request got: whether the server may have acted on it.
enum class delivery {
    not_sent,  // nothing reached the server: safe to retry any request
    sent,      // written, no complete answer: the outcome is unknown
    answered,  // a response (perhaps unusable) arrived
};

const boost::system::error_category& error_category() noexcept;

inline boost::system::error_code make_error_code(error e) noexcept {
    return {static_cast<int>(e), error_category()};
}

}  // namespace salvo::http

template <>
struct boost::system::is_error_code_enum<salvo::http::error> : std::true_type {};
