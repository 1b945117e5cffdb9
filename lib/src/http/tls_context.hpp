// The client's OpenSSL context and per-origin TLS session storage for resumption.
#pragma once

#include <salvo/http/options.hpp>

#include <boost/asio/ssl/context.hpp>

#include <mutex>
#include <string_view>

typedef struct ssl_st SSL;
typedef struct ssl_session_st SSL_SESSION;

namespace salvo::http::detail {

// The most recent resumable session of one origin. OpenSSL hands sessions over through a
// callback, possibly on any thread (TLS 1.3 tickets arrive after the handshake), hence the lock.
class session_slot {
  public:
    session_slot() = default;
    session_slot(const session_slot&) = delete;
    session_slot& operator=(const session_slot&) = delete;
    ~session_slot();

    void store(SSL_SESSION* session) noexcept;  // takes the reference
    SSL_SESSION* take_copy() const noexcept;    // a new reference, or nullptr

  private:
    mutable std::mutex mutex_;
    SSL_SESSION* session_ = nullptr;
};

// Verification on by default against the system store (or options.ca_file), TLS 1.2 minimum,
// client-side session cache feeding session_slot. Throws std::system_error on a bad CA file.
boost::asio::ssl::context make_tls_context(const tls_options& options);

// Per connection: SNI (host names only, RFC 6066), host name or IP check, and the session to
// resume. `slot` must outlive the SSL object.
void prepare_connection(SSL* ssl, std::string_view host, bool verify_peer, session_slot* slot);

}  // namespace salvo::http::detail
