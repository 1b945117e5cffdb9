// Shared by the hostile tests: one request sent once with a short timeout, timed.
#pragma once

#include "support/run.hpp"

#include <salvo/http/client.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>

namespace salvo::hostile {

using namespace std::chrono_literals;

struct timed_result {
    boost::system::error_code ec;
    http::response res;
    std::chrono::steady_clock::duration elapsed;
};

// Sends `req` once (no policy retry) on a fresh io_context and client.
inline timed_result send_once(http::request req, http::client_options options = {}) {
    boost::asio::io_context io;
    http::client client(io.get_executor(), std::move(options));
    req.retry = false;
    const auto start = std::chrono::steady_clock::now();
    auto [ec, res] = testing::run(io, testing::send(client, std::move(req)));
    return {ec, std::move(res), std::chrono::steady_clock::now() - start};
}

// Options with short timeouts, so a hostile server costs the suite well under a second.
inline http::client_options short_timeouts() {
    http::client_options options;
    options.connect_timeout = 400ms;
    options.attempt_timeout = 400ms;
    options.request_timeout = 2s;
    return options;
}

// Every hostile case must end well within its timeout plus this slack.
inline constexpr auto slack = 1500ms;

inline double ms(std::chrono::steady_clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
}

}  // namespace salvo::hostile
