#include "http/tls_context.hpp"

#include <boost/asio/ip/address.hpp>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <string>

namespace salvo::http::detail {
namespace {

int slot_index() {
    static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    return index;
}

int on_new_session(SSL* ssl, SSL_SESSION* session) {
    auto* slot = static_cast<session_slot*>(SSL_get_ex_data(ssl, slot_index()));
    if (slot == nullptr) {
        return 0;  // OpenSSL keeps ownership
    }
    slot->store(session);
    return 1;  // we took the reference
}

}  // namespace

session_slot::~session_slot() {
    if (session_ != nullptr) {
        SSL_SESSION_free(session_);
    }
}

void session_slot::store(SSL_SESSION* session) noexcept {
    SSL_SESSION* old = nullptr;
    {
        std::lock_guard lock(mutex_);
        old = session_;
        session_ = session;
    }
    if (old != nullptr) {
        SSL_SESSION_free(old);
    }
}

SSL_SESSION* session_slot::take_copy() const noexcept {
    std::lock_guard lock(mutex_);
    if (session_ != nullptr) {
        SSL_SESSION_up_ref(session_);
    }
    return session_;
}

boost::asio::ssl::context make_tls_context(const tls_options& options) {
    namespace ssl = boost::asio::ssl;
    ssl::context ctx(ssl::context::tls_client);
    SSL_CTX* native = ctx.native_handle();
    SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
    ctx.set_options(ssl::context::default_workarounds | ssl::context::no_compression);
    if (options.verify_peer) {
        ctx.set_verify_mode(ssl::verify_peer);
        if (options.ca_file.empty()) {
            ctx.set_default_verify_paths();
        } else {
            boost::system::error_code ec;
            ctx.load_verify_file(options.ca_file, ec);
            if (ec) {
                throw boost::system::system_error(ec, "cannot load CA file " + options.ca_file);
            }
        }
    } else {
        ctx.set_verify_mode(ssl::verify_none);
    }
    if (options.session_resumption) {
        SSL_CTX_set_session_cache_mode(native,
                                       SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
        SSL_CTX_sess_set_new_cb(native, &on_new_session);
    } else {
        SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
        SSL_CTX_set_options(native, SSL_OP_NO_TICKET);
    }
    return ctx;
}

void prepare_connection(SSL* ssl, std::string_view host, bool verify_peer, session_slot* slot) {
    const std::string name(host);
    boost::system::error_code ec;
    boost::asio::ip::make_address(name, ec);  // fails for a host name
    if (ec) {
        SSL_set_tlsext_host_name(ssl, name.c_str());
    }
    if (verify_peer) {
        X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        if (ec) {
            X509_VERIFY_PARAM_set1_host(param, name.data(), name.size());
        } else {
            X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
        }
    }
    if (slot != nullptr) {
        SSL_set_ex_data(ssl, slot_index(), slot);
        if (SSL_SESSION* session = slot->take_copy()) {
            SSL_set_session(ssl, session);
            SSL_SESSION_free(session);
        }
    }
}

}  // namespace salvo::http::detail
