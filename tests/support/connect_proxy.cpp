#include "support/connect_proxy.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>

#include <atomic>
#include <mutex>
#include <thread>

namespace salvo::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
using socket_ptr = std::shared_ptr<tcp::socket>;

asio::awaitable<void> answer(const socket_ptr& client, std::string status_line) {
    const std::string head = "HTTP/1.1 " + status_line +
                             "\r\nProxy-Authenticate: Basic realm=\"test\"\r\n"
                             "Content-Length: 6\r\nConnection: close\r\n\r\ndenied";
    co_await asio::async_write(*client, asio::buffer(head), nothrow);
}

asio::awaitable<void> pump(socket_ptr from, socket_ptr to) {
    char data[16 * 1024];
    for (;;) {
        auto [rec, n] = co_await from->async_read_some(asio::buffer(data), nothrow);
        if (rec) {
            break;
        }
        auto [wec, written] = co_await asio::async_write(*to, asio::buffer(data, n), nothrow);
        if (wec) {
            break;
        }
    }
    error_code ignored;
    to->shutdown(tcp::socket::shutdown_send, ignored);  // pass the end of stream on
}
}  // namespace

struct connect_proxy::state {
    proxy_behaviour behaviour;
    asio::io_context io;
    tcp::acceptor acceptor{io};
    std::thread thread;
    mutable std::mutex mutex;
    std::vector<seen> seen_requests;
    std::atomic<std::size_t> connections{0};

    asio::awaitable<void> accept() {
        for (;;) {
            auto client = std::make_shared<tcp::socket>(io);
            auto [ec] = co_await acceptor.async_accept(*client, nothrow);
            if (ec) {
                co_return;
            }
            ++connections;
            asio::co_spawn(io, serve(client), asio::detached);
        }
    }

    asio::awaitable<void> serve(socket_ptr client) {
        beast::flat_buffer buffer;
        beast::http::request_parser<beast::http::empty_body> parser;
        auto [ec, n] = co_await beast::http::async_read(*client, buffer, parser, nothrow);
        if (ec) {
            co_return;
        }
        const auto& req = parser.get();
        const std::string target(req.target());
        {
            std::lock_guard lock(mutex);
            seen_requests.push_back({target, std::string(req[beast::http::field::host]),
                                     std::string(req[beast::http::field::proxy_authorization])});
        }
        if (behaviour.hang) {
            char sink[256];
            for (;;) {
                auto [rec, ignored] = co_await client->async_read_some(asio::buffer(sink), nothrow);
                if (rec) {
                    co_return;
                }
            }
        }
        if (behaviour.refuse_with != 0) {
            const std::string status = std::to_string(behaviour.refuse_with) + " Go Away";
            co_await answer(client, status);
            co_return;
        }
        if (!behaviour.required_authorization.empty() &&
            req[beast::http::field::proxy_authorization] != behaviour.required_authorization) {
            co_await answer(client, "407 Proxy Authentication Required");
            co_return;
        }
        auto upstream = std::make_shared<tcp::socket>(io);
        const auto colon = target.rfind(':');
        const std::string host = target.substr(0, colon);
        const std::string port = target.substr(colon + 1);
        tcp::resolver resolver(io);
        auto [rec, addresses] = co_await resolver.async_resolve(host, port, nothrow);
        error_code cec = rec;
        if (!rec) {
            auto [connect_ec, endpoint] =
                co_await asio::async_connect(*upstream, addresses, nothrow);
            cec = connect_ec;
        }
        if (cec) {
            co_await answer(client, "502 Bad Gateway");
            co_return;
        }
        const std::string established = "HTTP/1.1 200 Connection established\r\n\r\n";
        co_await asio::async_write(*client, asio::buffer(established), nothrow);
        asio::co_spawn(io, pump(client, upstream), asio::detached);
        asio::co_spawn(io, pump(upstream, client), asio::detached);
    }
};

connect_proxy::connect_proxy(proxy_behaviour behaviour) : state_(std::make_unique<state>()) {
    state_->behaviour = std::move(behaviour);
    const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    state_->acceptor.open(endpoint.protocol());
    state_->acceptor.bind(endpoint);
    state_->acceptor.listen();
    asio::co_spawn(state_->io, state_->accept(), asio::detached);
    state_->thread = std::thread([s = state_.get()] { s->io.run(); });
}

connect_proxy::~connect_proxy() {
    state_->io.stop();
    state_->thread.join();
}

std::uint16_t connect_proxy::port() const {
    return state_->acceptor.local_endpoint().port();
}

std::string connect_proxy::url(const std::string& userinfo) const {
    return "http://" + (userinfo.empty() ? "" : userinfo + "@") + name();
}

std::string connect_proxy::name() const {
    return "127.0.0.1:" + std::to_string(port());
}

std::vector<connect_proxy::seen> connect_proxy::requests() const {
    std::lock_guard lock(state_->mutex);
    return state_->seen_requests;
}

std::size_t connect_proxy::connections() const {
    return state_->connections.load();
}

}  // namespace salvo::testing
