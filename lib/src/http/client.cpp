#include <salvo/http/client.hpp>

#include "http/connection.hpp"
#include "http/origin_pool.hpp"
#include "http/tls_context.hpp"

#include <boost/asio/append.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <charconv>
#include <functional>
#include <unordered_map>

namespace salvo::http {

namespace asio = boost::asio;
using boost::system::error_code;

bool request::is_idempotent() const noexcept {
    if (idempotent) {
        return *idempotent;
    }
    switch (method) {
        case verb::get:
        case verb::head:
        case verb::options:
        case verb::trace:
        case verb::put:
        case verb::delete_:
            return true;
        default:
            return false;
    }
}

namespace detail {
namespace {

struct origin_view {
    bool tls;
    std::string_view host;
    std::uint16_t port;
};

struct origin_hash {
    using is_transparent = void;
    std::size_t operator()(const origin_view& o) const noexcept {
        return std::hash<std::string_view>{}(o.host) ^ (std::size_t{o.port} << 1) ^ o.tls;
    }
    std::size_t operator()(const origin& o) const noexcept {
        return (*this)(origin_view{o.tls, o.host, o.port});
    }
};

struct origin_equal {
    using is_transparent = void;
    static origin_view view(const origin& o) noexcept { return {o.tls, o.host, o.port}; }
    static const origin_view& view(const origin_view& o) noexcept { return o; }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const noexcept {
        const origin_view& x = view(a);
        const origin_view& y = view(b);
        return x.tls == y.tls && x.port == y.port && x.host == y.host;
    }
};

bool has_line_break(std::string_view s) {
    return s.find_first_of("\r\n") != std::string_view::npos;
}

// HTTP/1.1 request head and body, written into the connection's reused buffer.
void serialize(const request& req, const origin& o, std::string_view host_header,
               const std::string& user_agent, bool last, std::string& out) {
    out.clear();
    const auto method = boost::beast::http::to_string(req.method);
    out.append(method.data(), method.size());
    out += ' ';
    const auto target = req.url.encoded_target();
    if (target.empty()) {
        out += '/';
    } else {
        out.append(target.data(), target.size());
    }
    out += " HTTP/1.1\r\nHost: ";
    out += host_header;
    if (o.port != (o.tls ? 443 : 80)) {
        char digits[8];
        const auto end = std::to_chars(digits, digits + sizeof digits, o.port).ptr;
        out += ':';
        out.append(digits, end);
    }
    out += "\r\n";
    bool has_user_agent = false;
    for (const auto& f : req.headers) {
        using boost::beast::http::field;
        const auto name = f.name();
        if (name == field::host || name == field::content_length || name == field::connection ||
            name == field::transfer_encoding) {
            continue;
        }
        has_user_agent = has_user_agent || name == field::user_agent;
        const auto n = f.name_string();
        const auto v = f.value();
        out.append(n.data(), n.size());
        out += ": ";
        out.append(v.data(), v.size());
        out += "\r\n";
    }
    if (!has_user_agent && !user_agent.empty()) {
        out += "User-Agent: ";
        out += user_agent;
        out += "\r\n";
    }
    const bool has_body = !req.body.empty() || req.method == verb::post ||
                          req.method == verb::put || req.method == verb::patch;
    if (has_body) {
        char digits[24];
        const auto end = std::to_chars(digits, digits + sizeof digits, req.body.size()).ptr;
        out += "Content-Length: ";
        out.append(digits, end);
        out += "\r\n";
    }
    if (last) {
        out += "Connection: close\r\n";
    }
    out += "\r\n";
    out += req.body;
}

}  // namespace

struct outcome {
    error_code ec;
    response res;
};

class client_impl {
  public:
    client_impl(asio::any_io_executor executor, client_options options)
        : executor_(std::move(executor)),
          options_(std::move(options)),
          tls_(make_tls_context(options_.tls)) {}

    const asio::any_io_executor& executor() const noexcept { return executor_; }
    const client_options& options() const noexcept { return options_; }
    bool shutting_down() const noexcept { return shutting_down_.load(std::memory_order_acquire); }

    origin_pool* pool_for(const origin_view& key) {
        std::lock_guard lock(mutex_);
        if (shutting_down()) {
            return nullptr;
        }
        auto it = pools_.find(key);
        if (it == pools_.end()) {
            origin o{key.tls, std::string(key.host), key.port};
            auto pool = std::make_unique<origin_pool>(o, options_, executor_, &tls_);
            it = pools_.emplace(std::move(o), std::move(pool)).first;
        }
        return it->second.get();
    }

    void shutdown() {
        std::lock_guard lock(mutex_);
        shutting_down_.store(true, std::memory_order_release);
        for (auto& [key, pool] : pools_) {
            pool->shutdown();
        }
    }

    void count_failure(error e) noexcept {
        failures_.fetch_add(1, std::memory_order_relaxed);
        errors_[static_cast<std::size_t>(e)].fetch_add(1, std::memory_order_relaxed);
    }

    metrics_snapshot metrics() const {
        metrics_snapshot m;
        m.requests = requests_.load(std::memory_order_relaxed);
        m.failures = failures_.load(std::memory_order_relaxed);
        m.connections_opened = opened_.load(std::memory_order_relaxed);
        m.connections_reused = reused_.load(std::memory_order_relaxed);
        m.tls_handshakes_full = tls_full_.load(std::memory_order_relaxed);
        m.tls_handshakes_resumed = tls_resumed_.load(std::memory_order_relaxed);
        m.stale_retries = stale_retries_.load(std::memory_order_relaxed);
        for (std::size_t i = 0; i < error_kinds; ++i) {
            m.errors[i] = errors_[i].load(std::memory_order_relaxed);
        }
        m.latency_p50_us = latency_.quantile_us(0.50);
        m.latency_p90_us = latency_.quantile_us(0.90);
        m.latency_p99_us = latency_.quantile_us(0.99);
        m.latency_max_us = latency_.max_us();
        return m;
    }

    std::atomic<std::uint64_t> requests_{0}, failures_{0}, opened_{0}, reused_{0}, tls_full_{0},
        tls_resumed_{0}, stale_retries_{0};
    std::array<std::atomic<std::uint64_t>, error_kinds> errors_{};
    latency_histogram latency_;

  private:
    asio::any_io_executor executor_;
    const client_options options_;
    asio::ssl::context tls_;
    std::atomic<bool> shutting_down_{false};
    std::mutex mutex_;
    std::unordered_map<origin, std::unique_ptr<origin_pool>, origin_hash, origin_equal> pools_;
};

namespace {

// A connection idle this long is checked for a close by the peer before a request is written.
constexpr auto liveness_check_after = std::chrono::seconds(1);

asio::awaitable<outcome> run(std::shared_ptr<client_impl> impl, request req) {
    co_await asio::this_coro::throw_if_cancelled(false);
    const auto& options = impl->options();
    const auto start = clock::now();
    const auto deadline = start + req.timeout.value_or(options.request_timeout);
    outcome result;
    response& res = result.res;

    auto finish = [&](error_code ec, std::string diagnostic) {
        if (ec == error::cancelled && impl->shutting_down()) {
            ec = error::shutdown;
        }
        result.ec = ec;
        res.diagnostic = std::move(diagnostic);
        impl->requests_.fetch_add(1, std::memory_order_relaxed);
        if (ec) {
            impl->count_failure(static_cast<error>(ec.value()));
        }
        impl->latency_.record(
            std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - start));
        return std::move(result);
    };

    const auto scheme = req.url.scheme_id();
    if (scheme != boost::urls::scheme::http && scheme != boost::urls::scheme::https) {
        co_return finish(
            error::invalid_request,
            "unsupported URL scheme '" + std::string(req.url.scheme()) + "' (http and https are)");
    }
    const bool tls = scheme == boost::urls::scheme::https;
    const std::string_view host = req.url.encoded_host_address();
    if (host.empty()) {
        co_return finish(error::invalid_request, "the URL has no host");
    }
    const std::uint16_t port = req.url.has_port() ? req.url.port_number() : (tls ? 443 : 80);
    for (const auto& field : req.headers) {
        if (has_line_break(field.name_string()) || has_line_break(field.value())) {
            co_return finish(error::invalid_request, "header '" + std::string(field.name_string()) +
                                                         "' contains a line break");
        }
    }
    origin_pool* pool = impl->pool_for({tls, host, port});
    if (pool == nullptr) {
        co_return finish(error::shutdown, "client shut down");
    }

    const auto owner = co_await asio::this_coro::executor;
    const bool idempotent = req.is_idempotent();
    const bool head = req.method == verb::head;
    const exchange_limits limits{options.header_limit, options.body_limit};
    bool fresh = false;
    bool stale_retried = false;
    for (;;) {
        lease l = co_await pool->acquire(owner, deadline, fresh);
        if (!l.result) {
            co_return finish(l.result.ec, std::move(l.result.diagnostic));
        }
        connection& conn = *l.conn;
        if (l.reused && (!idempotent || clock::now() - conn.idle_since >= liveness_check_after) &&
            conn.peer_closed()) {
            pool->release(l.conn, false);  // closed while idle: costs a connect, not a request
            fresh = true;
            continue;
        }
        ++res.attempts;
        if (!conn.is_open()) {
            boost::asio::ip::tcp::resolver::results_type addresses;
            const auto connect_deadline =
                std::min(deadline, clock::now() + options.connect_timeout);
            step_result step = co_await pool->resolve(connect_deadline, addresses);
            if (step) {
                step = co_await conn.connect(addresses, host, options.tls.verify_peer,
                                             &pool->sessions(), connect_deadline);
            }
            if (!step) {
                pool->release(l.conn, false);
                res.delivery = delivery::not_sent;
                co_return finish(step.ec, std::move(step.diagnostic));
            }
            impl->opened_.fetch_add(1, std::memory_order_relaxed);
            if (tls) {
                (conn.resumed_session() ? impl->tls_resumed_ : impl->tls_full_)
                    .fetch_add(1, std::memory_order_relaxed);
            }
        } else {
            impl->reused_.fetch_add(1, std::memory_order_relaxed);
        }

        const bool last = options.max_requests_per_connection != 0 &&
                          conn.requests_served + 1 >= options.max_requests_per_connection;
        serialize(req, pool->key(), req.url.encoded_host(), options.user_agent, last,
                  conn.write_buffer);
        const auto attempt_deadline = std::min(
            deadline, clock::now() + req.attempt_timeout.value_or(options.attempt_timeout));
        res.delivery = delivery::not_sent;
        step_result step =
            co_await conn.exchange(conn.write_buffer, head, limits, attempt_deadline, res);
        if (!step) {
            pool->release(l.conn, false);
            // A kept connection the server closed while idle: the request never reached it
            // unless it was written, and repeating it is safe when it is idempotent.
            const bool stale = l.reused && step.ec == error::connection_lost;
            if (stale && !stale_retried && (res.delivery == delivery::not_sent || idempotent)) {
                stale_retried = true;
                fresh = true;
                impl->stale_retries_.fetch_add(1, std::memory_order_relaxed);
                continue;
            }
            co_return finish(step.ec, std::move(step.diagnostic));
        }
        pool->release(l.conn, conn.reusable() && !last);
        co_return finish({}, {});
    }
}

// Completes the caller's handler on its associated executor (else the client's).
struct completion {
    send_handler handler;
    asio::any_io_executor fallback;

    void operator()(std::exception_ptr failure, outcome result) {
        if (failure) {
            result.ec = make_error_code(error::cancelled);
            try {
                std::rethrow_exception(failure);
            } catch (const std::exception& e) {
                result.res.diagnostic = e.what();
            }
        }
        auto ex = asio::get_associated_executor(handler, fallback);
        asio::dispatch(ex, asio::append(std::move(handler), result.ec, std::move(result.res)));
    }
};

}  // namespace

void start_send(const std::shared_ptr<client_impl>& impl, request req, send_handler handler) {
    auto slot = asio::get_associated_cancellation_slot(handler);
    auto strand = asio::make_strand(impl->executor());
    asio::co_spawn(
        std::move(strand), run(impl, std::move(req)),
        asio::bind_cancellation_slot(slot, completion{std::move(handler), impl->executor()}));
}

}  // namespace detail

client::client(executor_type executor, client_options options)
    : impl_(std::make_shared<detail::client_impl>(std::move(executor), std::move(options))) {}

client::~client() {
    impl_->shutdown();
}

void client::shutdown() {
    impl_->shutdown();
}

metrics_snapshot client::metrics() const {
    return impl_->metrics();
}

client::executor_type client::get_executor() const noexcept {
    return impl_->executor();
}

const client_options& client::options() const noexcept {
    return impl_->options();
}

}  // namespace salvo::http
