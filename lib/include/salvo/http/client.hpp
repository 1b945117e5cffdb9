// salvo::http::client - a pooled HTTP/1.1 + TLS client for C++20 coroutines and any Asio token.
//
//   salvo::http::client client(io.get_executor());
//   auto [ec, res] = co_await client.async_send(std::move(req), asio::as_tuple(asio::deferred));
//
// Threading: one client may be shared by any number of coroutines and threads running its
// executor (a multi-threaded io_context included). Each request runs on its own strand; pool
// state is guarded by a mutex never held across a suspension point. Completion handlers run on
// their associated executor (the caller's), else on the client's executor. `shutdown()` and
// `metrics()` may be called from any thread. Cancellation follows Asio's per-operation
// cancellation: emit on the slot bound to the token, from the handler's executor.
#pragma once

#include <salvo/http/error.hpp>
#include <salvo/http/message.hpp>
#include <salvo/http/metrics.hpp>
#include <salvo/http/options.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/deferred.hpp>

#include <memory>

namespace salvo::http {

namespace detail {
class client_impl;
using send_handler = boost::asio::any_completion_handler<void(boost::system::error_code, response)>;
// The client's executor when it was promised a single thread (client_options::single_threaded),
// else null: a request's completion may then call a handler bound to it at once.
const boost::asio::any_io_executor* serial_executor(const client_impl& impl) noexcept;
// `inline_completion`: the handler's executor is serial_executor(*impl).
void start_send(const std::shared_ptr<client_impl>& impl, request&& req, send_handler&& handler,
                bool inline_completion);
}  // namespace detail

class client {
  public:
    using executor_type = boost::asio::any_io_executor;

    explicit client(executor_type executor, client_options options = {});
    ~client();  // shuts down: in-flight requests complete with error::shutdown
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    // Sends `req` and completes with (error_code, response). On failure the response still
    // says how far the request got (`delivery`) and why (`diagnostic`).
    template <boost::asio::completion_token_for<void(boost::system::error_code, response)> Token =
                  boost::asio::deferred_t>
    auto async_send(request req, Token&& token = {}) {
        return boost::asio::async_initiate<Token, void(boost::system::error_code, response)>(
            [impl = impl_](auto handler, request&& r) {
                // Decided here, on the handler's own executor type: the type-erased handler
                // could only tell through a type-erased, allocated executor.
                bool inline_completion = false;
                if (const auto* serial = detail::serial_executor(*impl)) {
                    inline_completion =
                        boost::asio::any_io_executor(
                            boost::asio::get_associated_executor(handler, *serial)) == *serial;
                }
                detail::start_send(impl, std::move(r), detail::send_handler(std::move(handler)),
                                   inline_completion);
            },
            token, std::move(req));
    }

    // Closes idle connections, fails waiting and in-flight requests with error::shutdown, and
    // refuses new ones. Returns at once; requests complete on their executors.
    void shutdown();

    metrics_snapshot metrics() const;
    executor_type get_executor() const noexcept;
    const client_options& options() const noexcept;

  private:
    std::shared_ptr<detail::client_impl> impl_;
};

}  // namespace salvo::http
