// Small helpers to drive the client from a test body.
#pragma once

#include <salvo/http/client.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include <chrono>
#include <future>
#include <ostream>
#include <string>
#include <tuple>

namespace salvo::http {
// Printable in test assertions.
inline std::ostream& operator<<(std::ostream& os, error e) {
    return os << make_error_code(e).message();
}
}  // namespace salvo::http

namespace salvo::testing {

using result = std::tuple<boost::system::error_code, http::response>;

// Runs the awaitable on `io` until the io_context runs out of work and returns its value.
template <class T>
T run(boost::asio::io_context& io, boost::asio::awaitable<T> task) {
    auto future = boost::asio::co_spawn(io, std::move(task), boost::asio::use_future);
    io.restart();
    io.run();
    return future.get();
}

// Runs the awaitable on `io` until it completes and returns its value, though `io` may still have
// work: an idle pooled connection keeps a read pending, so running until out of work would wait
// for the server to close it.
template <class T>
T run_until_done(boost::asio::io_context& io, boost::asio::awaitable<T> task) {
    auto future = boost::asio::co_spawn(io, std::move(task), boost::asio::use_future);
    io.restart();
    while (future.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
        io.run_one();
    }
    return future.get();
}

inline http::request get(const std::string& url) {
    http::request req;
    req.method = http::verb::get;
    req.url = boost::urls::url(url);
    return req;
}

inline http::request post(const std::string& url, std::string body) {
    http::request req;
    req.method = http::verb::post;
    req.url = boost::urls::url(url);
    req.headers.set(boost::beast::http::field::content_type, "application/json");
    req.body = std::move(body);
    return req;
}

inline boost::asio::awaitable<result> send(http::client& client, http::request req) {
    co_return co_await client.async_send(std::move(req),
                                         boost::asio::as_tuple(boost::asio::deferred));
}

}  // namespace salvo::testing
