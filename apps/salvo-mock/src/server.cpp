// The mock's I/O: an accept loop and one coroutine per connection on a multi-threaded io_context.
// Everything the mock decides is in api.cpp; this file only moves bytes and obeys its verdicts.
#include <salvo/mock/server.hpp>
#include <salvo/tls/certificate.hpp>

#include "api.hpp"

#include <openssl/ssl.h>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <optional>
#include <stdexcept>
#include <thread>
#include <type_traits>

namespace salvo::mock {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

// The answer as it goes on the wire, into `wire` (its capacity reused across a connection's
// answers): one flat buffer and one write, where Beast's serializer walks a chain of buffer views
// per answer - the largest cost of a GET in a profile of the mock under wrk.
void serialize_answer(std::string& wire, const api_response& out, unsigned version,
                      bool keep_alive) {
    const auto has = [&out](std::string_view name) {
        for (const auto& [n, v] : out.headers) {
            if (beast::iequals(n, name)) {
                return true;
            }
        }
        return false;
    };
    wire.clear();
    wire.append(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
    wire.append(std::to_string(out.status)).push_back(' ');
    wire.append(http::obsolete_reason(static_cast<http::status>(out.status)));
    wire.append("\r\nServer: salvo-mock\r\n");
    if (!out.body.empty() && !has("Content-Type")) {
        wire.append("Content-Type: application/json\r\n");
    }
    for (const auto& [name, value] : out.headers) {
        wire.append(name).append(": ").append(value).append("\r\n");
    }
    wire.append("Content-Length: ").append(std::to_string(out.body.size())).append("\r\n");
    if (version == 10 && keep_alive) {
        wire.append("Connection: keep-alive\r\n");
    } else if (version != 10 && !keep_alive) {
        wire.append("Connection: close\r\n");
    }
    wire.append("\r\n").append(out.body);
}

// SO_LINGER 0 then close: the peer gets an RST, exactly what a crashed proxy looks like.
void reset_connection(beast::tcp_stream& stream) {
    boost::system::error_code ec;
    stream.socket().set_option(asio::socket_base::linger(true, 0), ec);
    stream.socket().close(ec);
}

bool is_parse_error(const boost::system::error_code& ec) {
    return ec.category() == make_error_code(http::error::bad_target).category() &&
           ec != http::error::end_of_stream && ec != http::error::partial_message;
}

}  // namespace

struct server::impl {
    explicit impl(server_options o) : options(std::move(o)), handler(options) {}

    server_options options;
    api handler;
    std::optional<ssl::context> tls;
    std::unique_ptr<asio::io_context> io;
    std::unique_ptr<tcp::acceptor> acceptor;
    std::vector<std::thread> threads;
    std::uint16_t port = 0;

    asio::awaitable<void> accept_loop();
    template <class Stream>
    asio::awaitable<void> serve(Stream stream);
    template <class Stream>
    asio::awaitable<void> close_gracefully(Stream& stream);
};

asio::awaitable<void> server::impl::accept_loop() {
    asio::steady_timer pause(co_await asio::this_coro::executor);
    // A strand per connection when threads run the io_context; one thread serialises already.
    const bool one_thread = options.threads <= 1;
    for (;;) {
        const asio::any_io_executor connection_executor =
            one_thread ? asio::any_io_executor(io->get_executor())
                       : asio::any_io_executor(asio::make_strand(*io));
        auto [ec, accepted] = co_await acceptor->async_accept(connection_executor, use_tuple);
        if (ec == asio::error::operation_aborted || !acceptor->is_open()) {
            co_return;
        }
        if (ec) {
            // Out of descriptors, most likely: back off instead of spinning.
            pause.expires_after(50ms);
            co_await pause.async_wait(use_tuple);
            continue;
        }
        handler.count_connection();
        accepted.set_option(tcp::no_delay(true), ec);
        tcp::socket socket(std::move(accepted));
        auto executor = socket.get_executor();
        if (tls) {
            asio::co_spawn(executor, serve(tls_stream(std::move(socket), *tls)), asio::detached);
        } else {
            asio::co_spawn(executor, serve(beast::tcp_stream(std::move(socket))), asio::detached);
        }
    }
}

template <class Stream>
asio::awaitable<void> server::impl::close_gracefully(Stream& stream) {
    beast::tcp_stream& lowest = beast::get_lowest_layer(stream);
    lowest.expires_after(2s);
    if constexpr (std::is_same_v<Stream, tls_stream>) {
        co_await stream.async_shutdown(use_tuple);
    } else {
        // Half-close, then drain until the peer closes too: closing with unread bytes would
        // send an RST that can destroy the answer still in flight.
        boost::system::error_code ec;
        lowest.socket().shutdown(tcp::socket::shutdown_send, ec);
        char sink[512];
        for (;;) {
            auto [read_ec, n] = co_await lowest.async_read_some(asio::buffer(sink), use_tuple);
            if (read_ec) {
                break;
            }
        }
    }
    lowest.close();
}

template <class Stream>
asio::awaitable<void> server::impl::serve(Stream stream) {
    constexpr bool secure = std::is_same_v<Stream, tls_stream>;
    beast::tcp_stream& lowest = beast::get_lowest_layer(stream);
    if constexpr (secure) {
        lowest.expires_after(10s);
        auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, use_tuple);
        if (ec) {
            co_return;
        }
    }
    beast::flat_buffer buffer;  // reused for the life of the connection
    api_response out;
    std::string wire;
    asio::steady_timer timer(co_await asio::this_coro::executor);
    const std::uint32_t cap = options.faults.max_requests_per_conn;
    std::uint32_t served = 0;
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.body_limit(options.body_limit);
        lowest.expires_after(options.idle_timeout);
        auto [read_ec, read_n] = co_await http::async_read(stream, buffer, parser, use_tuple);
        bool keep_alive = true;
        unsigned version = 11;
        if (read_ec == http::error::body_limit) {
            out.clear();
            handler.error(out, 413, "Request body too large");
            keep_alive = false;
        } else if (is_parse_error(read_ec)) {
            out.clear();
            handler.error(out, 400, "Malformed HTTP request: " + read_ec.message());
            keep_alive = false;
        } else if (read_ec) {
            co_return;  // the peer closed, went idle too long, or the connection broke
        } else {
            const auto& req = parser.get();
            version = req.version();
            keep_alive = req.keep_alive();
            handler.handle({.method = req.method_string(),
                            .target = req.target(),
                            .authorization = req[http::field::authorization],
                            .content_type = req[http::field::content_type],
                            .body = req.body()},
                           out);
            if (out.action == api_response::then::reset) {
                reset_connection(lowest);
                co_return;
            }
            if (out.delay > 0ms) {
                lowest.expires_never();
                timer.expires_after(out.delay);
                co_await timer.async_wait(use_tuple);
            }
        }

        bool capped = cap != 0 && ++served >= cap;
        // A silent cap keeps promising keep-alive: the client learns of the close the hard way.
        serialize_answer(wire, out, version,
                         keep_alive && (!capped || options.faults.silent_close));
        lowest.expires_after(30s);
        auto [write_ec, write_n] =
            co_await asio::async_write(stream, asio::buffer(wire), use_tuple);
        if (write_ec) {
            co_return;
        }
        if (capped) {
            handler.count_capped();
        }
        if (!keep_alive || capped) {
            co_await close_gracefully(stream);
            co_return;
        }
    }
}

server::server(server_options options) : impl_(std::make_unique<impl>(std::move(options))) {}

server::~server() {
    stop();
}

void server::start() {
    impl& s = *impl_;
    if (s.io) {
        throw std::logic_error("salvo::mock::server: already started");
    }
    if (s.options.tls) {
        if (s.options.certificate_pem.empty() != s.options.private_key_pem.empty()) {
            throw std::invalid_argument(
                "salvo-mock: give both a certificate and its key, or neither");
        }
        if (s.options.certificate_pem.empty()) {
            tls::pem_pair generated = tls::make_self_signed();
            s.options.certificate_pem = std::move(generated.certificate);
            s.options.private_key_pem = std::move(generated.private_key);
        }
        s.tls.emplace(ssl::context::tls_server);
        s.tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
        SSL_CTX_set_min_proto_version(s.tls->native_handle(), TLS1_2_VERSION);
        s.tls->use_certificate_chain(asio::buffer(s.options.certificate_pem));
        s.tls->use_private_key(asio::buffer(s.options.private_key_pem), ssl::context::pem);
    }

    unsigned threads = std::max(1u, s.options.threads);
    s.io = std::make_unique<asio::io_context>(static_cast<int>(threads));
    try {
        tcp::resolver resolver(*s.io);
        auto found = resolver.resolve(s.options.host, std::to_string(s.options.port),
                                      tcp::resolver::passive | tcp::resolver::numeric_service);
        tcp::endpoint endpoint = found.begin()->endpoint();
        s.acceptor = std::make_unique<tcp::acceptor>(*s.io);
        s.acceptor->open(endpoint.protocol());
        s.acceptor->set_option(asio::socket_base::reuse_address(true));
        s.acceptor->bind(endpoint);
        s.acceptor->listen(asio::socket_base::max_listen_connections);
        s.port = s.acceptor->local_endpoint().port();
    } catch (const boost::system::system_error& e) {
        s.acceptor.reset();
        s.io.reset();
        throw std::runtime_error("salvo-mock: cannot listen on " + s.options.host + ":" +
                                 std::to_string(s.options.port) + ": " + e.code().message());
    }
    asio::co_spawn(*s.io, s.accept_loop(), asio::detached);
    s.threads.reserve(threads);
    for (unsigned i = 0; i < threads; ++i) {
        s.threads.emplace_back([&io = *s.io] { io.run(); });
    }
}

void server::stop() {
    impl& s = *impl_;
    if (!s.io) {
        return;
    }
    s.io->stop();
    for (auto& t : s.threads) {
        t.join();
    }
    s.threads.clear();
    s.acceptor.reset();
    s.io.reset();  // destroys the suspended connections, which closes their sockets
}

std::uint16_t server::port() const {
    return impl_->port;
}

std::string server::base_url() const {
    std::string host = impl_->options.host;
    if (host.empty() || host == "0.0.0.0") {
        host = "127.0.0.1";
    } else if (host == "::") {
        host = "[::1]";
    } else if (host.find(':') != std::string::npos && host.front() != '[') {
        host = "[" + host + "]";
    }
    return (impl_->options.tls ? "https://" : "http://") + host + ":" +
           std::to_string(impl_->port) + std::string(api_prefix);
}

const std::string& server::certificate_pem() const {
    return impl_->options.certificate_pem;
}

const server_options& server::options() const {
    return impl_->options;
}

stats server::snapshot() const {
    return impl_->handler.snapshot();
}

void server::reset() {
    impl_->handler.reset();
}

}  // namespace salvo::mock
