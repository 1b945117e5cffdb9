#include "hostile/raw_server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/write.hpp>

#include <openssl/ssl.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace salvo::hostile {

namespace asio = boost::asio;
namespace {
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

bool iequals_prefix(std::string_view line, std::string_view name) {
    if (line.size() < name.size()) {
        return false;
    }
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) {
            return false;
        }
    }
    return true;
}
}  // namespace

raw_server::raw_server(connection_script script, int receive_buffer)
    : script_(std::move(script)), acceptor_(io_) {
    const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(endpoint.protocol());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    if (receive_buffer > 0) {
        // Inherited by accepted sockets; must be set before listen() to bound the window.
        acceptor_.set_option(asio::socket_base::receive_buffer_size(receive_buffer));
    }
    acceptor_.bind(endpoint);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(io_, accept_loop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
}

raw_server::~raw_server() {
    io_.stop();
    thread_.join();
}

std::string raw_server::url(const std::string& scheme, const std::string& path,
                            const std::string& host) const {
    std::string u = scheme;
    u += "://";
    u += host;
    u += ':';
    u += std::to_string(port_);
    u += path;
    return u;
}

asio::awaitable<void> raw_server::accept_loop() {
    for (;;) {
        auto [ec, socket] = co_await acceptor_.async_accept(nothrow);
        if (ec) {
            co_return;
        }
        const std::size_t index = ++connections_;
        asio::co_spawn(
            io_,
            [this, s = std::move(socket), index]() mutable -> asio::awaitable<void> {
                co_await script_(s, index);
            },
            asio::detached);
    }
}

std::size_t content_length(std::string_view head) {
    std::size_t pos = 0;
    while (pos < head.size()) {
        const auto end = head.find("\r\n", pos);
        const auto line = head.substr(pos, end == std::string_view::npos ? head.npos : end - pos);
        if (iequals_prefix(line, "content-length:")) {
            auto value = line.substr(15);
            while (!value.empty() && value.front() == ' ') {
                value.remove_prefix(1);
            }
            std::size_t n = 0;
            std::from_chars(value.data(), value.data() + value.size(), n);
            return n;
        }
        if (end == std::string_view::npos) {
            break;
        }
        pos = end + 2;
    }
    return 0;
}

asio::awaitable<bool> write_all(tcp::socket& socket, std::string_view bytes) {
    auto [ec, n] =
        co_await asio::async_write(socket, asio::buffer(bytes.data(), bytes.size()), nothrow);
    co_return !ec;
}

asio::awaitable<void> pause(std::chrono::steady_clock::duration d) {
    asio::steady_timer timer(co_await asio::this_coro::executor, d);
    co_await timer.async_wait(nothrow);
}

asio::awaitable<void> hang_forever() {
    asio::steady_timer timer(co_await asio::this_coro::executor, std::chrono::hours(24));
    co_await timer.async_wait(nothrow);
}

asio::ssl::context server_tls_context(const std::string& certificate_pem,
                                      const std::string& key_pem, bool tls10_only) {
    asio::ssl::context ctx(asio::ssl::context::tls_server);
    ctx.use_certificate_chain(asio::buffer(certificate_pem));
    ctx.use_private_key(asio::buffer(key_pem), asio::ssl::context::pem);
    if (tls10_only) {
        // OpenSSL 3 refuses TLS 1.0 above security level 0.
        SSL_CTX_set_security_level(ctx.native_handle(), 0);
        SSL_CTX_set_cipher_list(ctx.native_handle(), "DEFAULT:@SECLEVEL=0");
        SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_VERSION);
        SSL_CTX_set_max_proto_version(ctx.native_handle(), TLS1_VERSION);
    }
    return ctx;
}

}  // namespace salvo::hostile
