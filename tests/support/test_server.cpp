#include "support/test_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <openssl/ssl.h>

#include <functional>
#include <future>
#include <latch>
#include <mutex>
#include <set>
#include <utility>

namespace salvo::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

void bump_max(std::atomic<std::size_t>& max, std::size_t value) {
    auto seen = max.load();
    while (value > seen && !max.compare_exchange_weak(seen, value)) {
    }
}
}  // namespace

// A connection known to the server, so the test can close it while it is idle.
struct session {
    asio::any_io_executor strand;
    tcp::socket* socket = nullptr;
    bool idle = false;        // waiting for the next request on a kept connection
    bool responding = false;  // writing an answer; idle once it is written
    // Set by close_idle_connections when it finds the session responding: the client may have
    // its answer already, the session just has not seen the write complete. Called (on the
    // strand) when the session goes idle, closing it, or ends.
    std::function<void()> close_when_idle;
};

struct test_server::state {
    asio::io_context io;
    std::optional<asio::ssl::context> tls;
    tcp::acceptor acceptor{io};
    request_handler handler;
    std::mutex mutex;
    std::set<std::shared_ptr<session>> sessions;
};

struct server_access {
    template <class Stream>
    static asio::awaitable<void> serve(test_server& server, Stream& stream, tcp::socket& socket,
                                       std::size_t connection) {
        auto& st = *server.state_;
        auto self = std::make_shared<session>();
        self->strand = co_await asio::this_coro::executor;
        self->socket = &socket;
        {
            std::lock_guard lock(st.mutex);
            st.sessions.insert(self);
        }
        beast::flat_buffer buffer;
        for (std::size_t index = 0;; ++index) {
            self->idle = index > 0 && buffer.size() == 0;
            self->responding = false;
            if (self->idle && self->close_when_idle) {
                boost::system::error_code ignored;
                socket.shutdown(tcp::socket::shutdown_both, ignored);
                socket.close(ignored);
                std::exchange(self->close_when_idle, nullptr)();
            }
            http::request_parser<http::string_body> parser;
            parser.body_limit(64 * 1024 * 1024);
            auto [ec, n] = co_await http::async_read(stream, buffer, parser, nothrow);
            self->idle = false;
            if (ec) {
                break;
            }
            auto msg = parser.release();
            seen_request seen{
                msg.method(), std::string(msg.target()), msg.base(), msg.body(), connection, index};
            server.requests_++;
            bump_max(server.max_active_, ++server.active_);
            reply r = st.handler(seen);
            if (r.delay.count() > 0) {
                asio::steady_timer timer(self->strand, r.delay);
                co_await timer.async_wait(nothrow);
            }
            bool keep = true;
            switch (r.what) {
                case reply::kind::respond: {
                    http::response<http::string_body> res{static_cast<http::status>(r.status),
                                                          msg.version()};
                    for (auto& [k, v] : r.headers) {
                        res.set(k, v);
                    }
                    res.body() = r.body;
                    res.keep_alive(msg.keep_alive() && !r.connection_close);
                    res.prepare_payload();
                    self->responding = true;
                    auto [wec, wn] = co_await http::async_write(stream, res, nothrow);
                    keep = !wec && res.keep_alive() && !r.close_after;
                    break;
                }
                case reply::kind::raw:
                    co_await asio::async_write(stream, asio::buffer(r.raw), nothrow);
                    keep = false;
                    break;
                case reply::kind::close:
                    keep = false;
                    break;
                case reply::kind::hang: {
                    char sink[512];
                    for (;;) {
                        auto [rec, rn] =
                            co_await stream.async_read_some(asio::buffer(sink), nothrow);
                        if (rec) {
                            break;
                        }
                    }
                    keep = false;
                    break;
                }
            }
            --server.active_;
            if (!keep) {
                break;
            }
        }
        boost::system::error_code ignored;
        socket.shutdown(tcp::socket::shutdown_both, ignored);
        socket.close(ignored);
        if (self->close_when_idle) {
            std::exchange(self->close_when_idle, nullptr)();
        }
        std::lock_guard lock(st.mutex);
        st.sessions.erase(self);
    }

    static asio::awaitable<void> connection(test_server& server, tcp::socket socket,
                                            std::size_t id) {
        auto& st = *server.state_;
        bump_max(server.max_open_, ++server.open_);
        if (st.tls) {
            asio::ssl::stream<tcp::socket&> stream(socket, *st.tls);
            auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, nothrow);
            if (!ec) {
                if (SSL_session_reused(stream.native_handle()) == 1) {
                    ++server.resumed_;
                }
                co_await serve(server, stream, socket, id);
            }
        } else {
            co_await serve(server, socket, socket, id);
        }
        --server.open_;
    }

    static asio::awaitable<void> accept(test_server& server) {
        auto& st = *server.state_;
        for (;;) {
            tcp::socket socket(asio::make_strand(st.io));
            auto [ec] = co_await st.acceptor.async_accept(socket, nothrow);
            if (ec) {
                co_return;
            }
            const auto id = ++server.connections_;
            auto ex = socket.get_executor();
            asio::co_spawn(ex, connection(server, std::move(socket), id), asio::detached);
        }
    }
};

test_server::test_server(request_handler handler, std::optional<tls::pem_pair> certificate,
                         int threads)
    : state_(std::make_shared<state>()) {
    state_->handler = std::move(handler);
    if (certificate) {
        auto& ctx = state_->tls.emplace(asio::ssl::context::tls_server);
        ctx.use_certificate_chain(asio::buffer(certificate->certificate));
        ctx.use_private_key(asio::buffer(certificate->private_key), asio::ssl::context::pem);
    }
    tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    state_->acceptor.open(endpoint.protocol());
    state_->acceptor.set_option(tcp::acceptor::reuse_address(true));
    state_->acceptor.bind(endpoint);
    state_->acceptor.listen(1024);
    port_ = state_->acceptor.local_endpoint().port();
    asio::co_spawn(state_->io, server_access::accept(*this), asio::detached);
    for (int i = 0; i < threads; ++i) {
        threads_.emplace_back([this] { state_->io.run(); });
    }
}

test_server::~test_server() {
    stop();
}

std::string test_server::url(const std::string& path, const std::string& host) const {
    return std::string(state_->tls ? "https://" : "http://") + host + ":" + std::to_string(port_) +
           path;
}

void test_server::close_idle_connections() {
    std::vector<std::shared_ptr<session>> sessions;
    {
        std::lock_guard lock(state_->mutex);
        sessions.assign(state_->sessions.begin(), state_->sessions.end());
    }
    std::latch done(static_cast<std::ptrdiff_t>(sessions.size()));
    for (auto& s : sessions) {
        asio::post(s->strand, [s, &done] {
            if (s->idle) {
                boost::system::error_code ignored;
                s->socket->shutdown(tcp::socket::shutdown_both, ignored);
                s->socket->close(ignored);
            } else if (s->responding) {
                s->close_when_idle = [&done] { done.count_down(); };
                return;
            }
            done.count_down();
        });
    }
    done.wait();
}

void test_server::stop() {
    if (threads_.empty()) {
        return;
    }
    state_->io.stop();
    for (auto& t : threads_) {
        t.join();
    }
    threads_.clear();
}

}  // namespace salvo::testing
