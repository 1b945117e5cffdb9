#include <salvo/http/client.hpp>

#include "http/connection.hpp"
#include "http/origin_pool.hpp"
#include "http/proxy.hpp"
#include "http/tls_context.hpp"

#include <boost/asio/append.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/container/static_vector.hpp>

#include <salvo/policy/classification.hpp>
#include <salvo/policy/retry.hpp>
#include <salvo/policy/retry_after.hpp>

#include <atomic>
#include <charconv>
#include <cstring>
#include <functional>
#include <optional>
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

// Two memchr scans: find_first_of would call memchr once per character of `s`.
bool has_line_break(std::string_view s) {
    return std::memchr(s.data(), '\r', s.size()) != nullptr ||
           std::memchr(s.data(), '\n', s.size()) != nullptr;
}

// The request's header sets in the order they are sent: the shared one, if any, then its own.
boost::container::static_vector<const fields*, 2> header_sets(const request& req) {
    boost::container::static_vector<const fields*, 2> sets;
    if (req.shared_headers) {
        sets.push_back(req.shared_headers.get());
    }
    sets.push_back(&req.headers);
    return sets;
}

// HTTP/1.1 request head and body, written into the connection's reused buffer.
void serialize(const request& req, const origin& o, std::string_view host_header,
               const std::string& user_agent, bool last, std::string& out) {
    using namespace std::string_view_literals;  // no strlen per literal
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
    out += " HTTP/1.1\r\nHost: "sv;
    out += host_header;
    if (o.port != (o.tls ? 443 : 80)) {
        char digits[8];
        const auto end = std::to_chars(digits, digits + sizeof digits, o.port).ptr;
        out += ':';
        out.append(digits, end);
    }
    out += "\r\n"sv;
    bool has_user_agent = false;
    for (const fields* set : header_sets(req)) {
        for (const auto& f : *set) {
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
            out += ": "sv;
            out.append(v.data(), v.size());
            out += "\r\n"sv;
        }
    }
    if (!has_user_agent && !user_agent.empty()) {
        out += "User-Agent: "sv;
        out += user_agent;
        out += "\r\n"sv;
    }
    const bool has_body = !req.body.empty() || req.method == verb::post ||
                          req.method == verb::put || req.method == verb::patch;
    if (has_body) {
        char digits[24];
        const auto end = std::to_chars(digits, digits + sizeof digits, req.body.size()).ptr;
        out += "Content-Length: "sv;
        out.append(digits, end);
        out += "\r\n"sv;
    }
    if (last) {
        out += "Connection: close\r\n"sv;
    }
    out += "\r\n"sv;
    out += req.body;
}

}  // namespace

// What a request ends with: written in place by run(), moved once into the caller's handler.
struct send_state {
    error_code ec;
    response res;
};

class client_impl {
  public:
    client_impl(asio::any_io_executor executor, client_options options)
        : executor_(std::move(executor)),
          options_(std::move(options)),
          limits_{options_.header_limit, options_.body_limit},
          proxies_(options_.proxy) {
        // The TLS context waits for the first https origin: loading the system's CA store
        // costs milliseconds a plaintext-only client need not pay. A CA file is loaded now, so
        // a bad one is an error of the constructor, not of the first request.
        if (!options_.tls.ca_file.empty()) {
            tls_.emplace(make_tls_context(options_.tls));
        }
    }

    const asio::any_io_executor& executor() const noexcept { return executor_; }
    const client_options& options() const noexcept { return options_; }
    const exchange_limits& limits() const noexcept { return limits_; }
    bool shutting_down() const noexcept { return shutting_down_.load(std::memory_order_acquire); }

    origin_pool* pool_for(const origin_view& key) {
        std::lock_guard lock(mutex_);
        if (shutting_down()) {
            return nullptr;
        }
        auto it = pools_.find(key);
        if (it == pools_.end()) {
            origin o{key.tls, std::string(key.host), key.port};
            if (key.tls && !tls_) {
                tls_.emplace(make_tls_context(options_.tls));
            }
            auto pool =
                std::make_shared<origin_pool>(o, options_, executor_, key.tls ? &*tls_ : nullptr,
                                              proxies_.route(key.tls, key.host, key.port));
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
        {
            std::lock_guard lock(mutex_);
            for (const auto& [key, pool] : pools_) {
                m.dns_lookups += pool->dns_lookups();
            }
        }
        for (std::size_t i = 0; i < error_kinds; ++i) {
            m.errors[i] = errors_[i].load(std::memory_order_relaxed);
        }
        for (std::size_t i = 0; i < retry_causes; ++i) {
            m.retries[i] = retries_[i].load(std::memory_order_relaxed);
        }
        m.retries_given_up = retries_given_up_.load(std::memory_order_relaxed);
        m.retry_wait_us = retry_wait_us_.load(std::memory_order_relaxed);
        m.rate_wait_us = rate_wait_us_.load(std::memory_order_relaxed);
        m.latency_p50_us = latency_.quantile_us(0.50);
        m.latency_p90_us = latency_.quantile_us(0.90);
        m.latency_p99_us = latency_.quantile_us(0.99);
        m.latency_max_us = latency_.max_us();
        return m;
    }

    std::atomic<std::uint64_t> requests_{0}, failures_{0}, opened_{0}, reused_{0}, tls_full_{0},
        tls_resumed_{0}, stale_retries_{0}, retries_given_up_{0}, retry_wait_us_{0},
        rate_wait_us_{0};
    std::array<std::atomic<std::uint64_t>, error_kinds> errors_{};
    std::array<std::atomic<std::uint64_t>, retry_causes> retries_{};
    latency_histogram latency_;

  private:
    asio::any_io_executor executor_;
    const client_options options_;
    const exchange_limits limits_;
    std::optional<asio::ssl::context> tls_;  // made with the first https pool, under mutex_
    const proxy_config proxies_;
    std::atomic<bool> shutting_down_{false};
    mutable std::mutex mutex_;
    // Shared: a pool's deadline timer holds it weakly (origin_pool::async_wait).
    std::unordered_map<origin, std::shared_ptr<origin_pool>, origin_hash, origin_equal> pools_;
};

namespace {

constexpr auto peek_after_idle = std::chrono::milliseconds(1);

// What the retry policy needs to know about an attempt that ended with `ec` and `res`.
policy::attempt_outcome outcome_of(const error_code& ec, const response& res) {
    if (!ec) {
        std::optional<std::chrono::seconds> retry_after;
        if (auto it = res.headers.find(boost::beast::http::field::retry_after);
            it != res.headers.end()) {
            retry_after = policy::parse_retry_after(it->value(), std::chrono::system_clock::now());
        }
        return policy::attempt_outcome::http(static_cast<int>(res.status), retry_after);
    }
    switch (static_cast<error>(ec.value())) {
        case error::resolve_failed:
        case error::connect_failed:
        case error::tls_handshake_failed:
        case error::connect_timeout:
            return policy::attempt_outcome::not_sent();
        case error::connection_lost:
        case error::truncated_response:
            return res.delivery == delivery::not_sent ? policy::attempt_outcome::not_sent()
                                                      : policy::attempt_outcome::lost_after_send();
        case error::response_timeout:
            return policy::attempt_outcome::timeout_after_send();
        default:
            return policy::attempt_outcome::local();  // never repeated
    }
}

struct request_context {
    client_impl* impl = nullptr;
    origin_pool* pool = nullptr;
    request* req = nullptr;
    asio::any_io_executor owner;
    std::string_view host;
    bool tls = false;
    bool idempotent = false;
    clock::time_point deadline;
    clock::time_point sent_at;  // when the last attempt started writing
};

// A reused connection is peeked first (one non-blocking recv): a close by the peer while idle,
// or bytes nobody asked for (which would be taken as this request's answer), retire it before
// anything is written. Only after a millisecond idle: sooner, what arrives races the peek
// itself, and a busy client would pay a system call per request for nothing. Before a
// non-idempotent request, whose loss leaves its outcome unknown, always once the origin has
// been seen closing kept connections unannounced. True when `l` was retired.
bool retire_if_dead(const request_context& ctx, const lease& l) {
    origin_pool& pool = *ctx.pool;
    const connection& conn = *l.conn;
    const bool peek = clock::now() - conn.idle_since >= peek_after_idle ||
                      (!ctx.idempotent && pool.closes_unannounced());
    if (!(l.reused && peek && conn.peer_closed())) {
        return false;
    }
    pool.note_unannounced_close();
    pool.release(l.conn, false);  // costs a connect, not a request
    return true;
}

// Writes the request into the connection's buffer; whether it is the connection's last.
bool serialize_for(const request_context& ctx, connection& conn) {
    const auto& options = ctx.impl->options();
    const bool last = options.max_requests_per_connection != 0 &&
                      conn.requests_served + 1 >= options.max_requests_per_connection;
    serialize(*ctx.req, ctx.pool->key(), ctx.req->url.encoded_host(), options.user_agent, last,
              conn.write_buffer);
    return last;
}

// A failed exchange on `l`: true when the request goes again, once, on a new connection. A kept
// connection the server closed while idle: the request never reached it unless it was written,
// and repeating it is safe when it is idempotent.
bool replace_stale(const request_context& ctx, const lease& l, const step_result& step,
                   const response& res, bool& stale_retried) {
    ctx.pool->release(l.conn, false);
    const bool stale = l.reused && step.ec == error::connection_lost;
    if (stale) {
        ctx.pool->note_unannounced_close();
    }
    if (stale && !stale_retried && (res.delivery == delivery::not_sent || ctx.idempotent)) {
        stale_retried = true;
        ctx.impl->stale_retries_.fetch_add(1, std::memory_order_relaxed);
        return true;
    }
    return false;
}

void count_connect(const request_context& ctx, const connection& conn) {
    client_impl& impl = *ctx.impl;
    impl.opened_.fetch_add(1, std::memory_order_relaxed);
    if (ctx.tls) {
        (conn.resumed_session() ? impl.tls_resumed_ : impl.tls_full_)
            .fetch_add(1, std::memory_order_relaxed);
    }
}

// One attempt: a connection from the pool, connect if new, one exchange. A kept connection
// found dead is replaced once, transparently, when the request cannot have been processed.
asio::awaitable<step_result> attempt(request_context& ctx, response& res) {
    const client_options& options = ctx.impl->options();
    bool fresh = false;
    bool stale_retried = false;
    for (;;) {
        lease l = ctx.pool->take(ctx.owner, ctx.deadline, fresh);
        if (l.queued) {
            co_await ctx.pool->async_wait(l, asio::deferred);
            ctx.pool->end_wait(l);
        }
        if (!l.result) {
            res.delivery = delivery::not_sent;
            co_return std::move(l.result);
        }
        if (retire_if_dead(ctx, l)) {
            fresh = true;
            continue;
        }
        ++res.attempts;
        step_result step;
        if (!l.conn->is_open()) {
            asio::ip::tcp::resolver::results_type addresses;
            const auto connect_deadline =
                std::min(ctx.deadline, clock::now() + options.connect_timeout);
            step = co_await ctx.pool->resolve(connect_deadline, addresses);
            if (step) {
                step = co_await l.conn->connect(addresses, ctx.host, ctx.pool->route(),
                                                options.tls.verify_peer, &ctx.pool->sessions(),
                                                connect_deadline);
            }
            if (!step) {
                ctx.pool->release(l.conn, false);
                res.delivery = delivery::not_sent;
                co_return step;
            }
            count_connect(ctx, *l.conn);
        } else {
            ctx.impl->reused_.fetch_add(1, std::memory_order_relaxed);
        }

        const bool last = serialize_for(ctx, *l.conn);
        const auto attempt_deadline =
            std::min(ctx.deadline,
                     clock::now() + ctx.req->attempt_timeout.value_or(options.attempt_timeout));
        res.delivery = delivery::not_sent;
        ctx.sent_at = clock::now();
        step = co_await l.conn->exchange(l.conn->write_buffer, ctx.req->method == verb::head,
                                         ctx.impl->limits(), attempt_deadline, res);
        if (!step) {
            if (replace_stale(ctx, l, step, res, stale_retried)) {
                fresh = true;
                continue;
            }
            co_return step;
        }
        ctx.pool->release(l.conn, l.conn->reusable() && !last);
        co_return step;
    }
}

// The coroutines below keep in their frames only what lives across a suspension: with 10,000
// requests in flight, each byte of a frame is 10 KB of heap that stays mapped after the burst.
// What is computed between two suspensions is in plain functions.

// Records the request's end in `out` and the client's counters.
void finish(client_impl& impl, send_state& out, clock::time_point start, error_code ec,
            std::string diagnostic) {
    if (ec == error::cancelled && impl.shutting_down()) {
        ec = error::shutdown;
    }
    out.ec = ec;
    out.res.diagnostic = std::move(diagnostic);
    impl.requests_.fetch_add(1, std::memory_order_relaxed);
    if (ec) {
        impl.count_failure(static_cast<error>(ec.value()));
    }
    impl.latency_.record(
        std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - start));
}

// Checks the request and finds its origin's pool. False when the request cannot be sent,
// finished with why.
bool prepare(request& req, request_context& ctx, send_state& out, clock::time_point start) {
    client_impl& impl = *ctx.impl;
    const auto scheme = req.url.scheme_id();
    if (scheme != boost::urls::scheme::http && scheme != boost::urls::scheme::https) {
        finish(
            impl, out, start, error::invalid_request,
            "unsupported URL scheme '" + std::string(req.url.scheme()) + "' (http and https are)");
        return false;
    }
    ctx.req = &req;
    ctx.tls = scheme == boost::urls::scheme::https;
    ctx.host = req.url.encoded_host_address();
    if (ctx.host.empty()) {
        finish(impl, out, start, error::invalid_request, "the URL has no host");
        return false;
    }
    const std::uint16_t port = req.url.has_port() ? req.url.port_number() : (ctx.tls ? 443 : 80);
    for (const fields* set : header_sets(req)) {
        for (const auto& field : *set) {
            if (has_line_break(field.name_string()) || has_line_break(field.value())) {
                finish(impl, out, start, error::invalid_request,
                       "header '" + std::string(field.name_string()) + "' contains a line break");
                return false;
            }
        }
    }
    ctx.pool = impl.pool_for({ctx.tls, ctx.host, port});
    if (ctx.pool == nullptr) {
        finish(impl, out, start, error::shutdown, "client shut down");
        return false;
    }
    ctx.idempotent = req.is_idempotent();
    return true;
}

// What follows attempt `number`: the pool's accounting and the retry policy's decision. The
// delay before the next attempt, or nullopt when the request ends with `step` (which then says
// why when the policy gave up).
std::optional<clock::duration> after_attempt(request_context& ctx, int number, bool retries,
                                             int& last_retry_cost, step_result& step,
                                             const response& res) {
    client_impl& impl = *ctx.impl;
    const auto attempted = outcome_of(step.ec, res);
    policy::retry_input input;
    input.classified = policy::classify(attempted, ctx.idempotent);
    input.attempt = number;
    input.deadline = ctx.deadline;
    input.retry_after = attempted.retry_after;
    if (retries) {
        input.now = clock::now();
    }
    const auto settled = ctx.pool->settle(input.classified, last_retry_cost, ctx.sent_at,
                                          retries ? &impl.options().retry : nullptr, input);
    if (!settled) {
        return std::nullopt;
    }
    const policy::retry_decision& decision = *settled;
    if (decision.action == policy::retry_action::retry) {
        impl.retries_[static_cast<std::size_t>(decision.cause)].fetch_add(
            1, std::memory_order_relaxed);
        last_retry_cost = decision.budget_cost;
        return decision.delay;
    }
    if (decision.action == policy::retry_action::give_up) {
        impl.retries_given_up_.fetch_add(1, std::memory_order_relaxed);
        if (decision.reason == policy::retry_reason::deadline) {
            step.ec = make_error_code(error::retry_deadline);
            step.diagnostic = "gave up after " + std::to_string(number) +
                              " attempt(s): the next retry would pass the deadline" +
                              (step.diagnostic.empty() ? "" : "; last: " + step.diagnostic);
        } else if (!step.diagnostic.empty() || step.ec) {
            step.diagnostic += " (gave up after " + std::to_string(number) +
                               " attempt(s): " + std::string(policy::to_string(decision.reason)) +
                               ")";
        }
    }
    return std::nullopt;
}

asio::awaitable<void> run(std::shared_ptr<client_impl> impl, request req, send_state& out) {
    co_await asio::this_coro::throw_if_cancelled(false);
    const auto start = clock::now();
    request_context ctx;
    ctx.impl = impl.get();  // kept alive by `impl`
    if (!prepare(req, ctx, out, start)) {
        co_return;
    }
    ctx.owner = co_await asio::this_coro::executor;
    ctx.deadline = start + req.timeout.value_or(impl->options().request_timeout);
    const bool retries = req.retry && impl->options().retry.enabled;

    int last_retry_cost = 0;
    for (int number = 1;; ++number) {
        if (const auto wait = ctx.pool->reserve_rate(clock::now());
            wait > clock::duration::zero()) {
            if (clock::now() + wait >= ctx.deadline) {
                co_return finish(*impl, out, start, error::retry_deadline,
                                 "the rate limit's wait would pass the request's deadline");
            }
            if (const error_code ec = co_await ctx.pool->sleep(ctx.owner, wait)) {
                co_return finish(*impl, out, start, ec,
                                 "stopped while waiting for the rate limiter");
            }
            impl->rate_wait_us_.fetch_add(
                std::chrono::duration_cast<std::chrono::microseconds>(wait).count(),
                std::memory_order_relaxed);
        }
        ctx.sent_at = clock::now();
        out.res.status = 0;
        out.res.headers.clear();
        out.res.body.clear();
        step_result step = co_await attempt(ctx, out.res);
        const auto delay = after_attempt(ctx, number, retries, last_retry_cost, step, out.res);
        if (!delay) {
            co_return finish(*impl, out, start, step.ec, std::move(step.diagnostic));
        }
        if (*delay > clock::duration::zero()) {
            if (const error_code ec = co_await ctx.pool->sleep(ctx.owner, *delay)) {
                co_return finish(*impl, out, start, ec, "stopped during a retry's backoff");
            }
            impl->retry_wait_us_.fetch_add(
                std::chrono::duration_cast<std::chrono::microseconds>(*delay).count(),
                std::memory_order_relaxed);
        }
        if ((co_await asio::this_coro::cancellation_state).cancelled() !=
            asio::cancellation_type::none) {
            co_return finish(*impl, out, start, error::cancelled, "cancelled between attempts");
        }
    }
}

// Completes the caller's handler on its associated executor (else the client's), with what
// run() left in `state`. co_spawn calls it on the request's executor: a handler bound to that
// same executor (a caller awaiting on a single-threaded client's executor) is called at once,
// as dispatch would, without the type-erased function, its allocation and the three moves of
// the response dispatch costs.
struct completion {
    send_handler handler;
    asio::any_io_executor fallback;
    bool inline_completion;
    std::unique_ptr<send_state> state;

    void operator()(std::exception_ptr failure) {
        if (failure) {
            state->ec = make_error_code(error::cancelled);
            try {
                std::rethrow_exception(failure);
            } catch (const std::exception& e) {
                state->res.diagnostic = e.what();
            }
        }
        if (inline_completion) {
            std::move(handler)(state->ec, std::move(state->res));
            return;
        }
        auto ex = asio::get_associated_executor(handler, fallback);
        asio::dispatch(ex, asio::append(std::move(handler), state->ec, std::move(state->res)));
    }
};

}  // namespace

const asio::any_io_executor* serial_executor(const client_impl& impl) noexcept {
    return impl.options().single_threaded ? &impl.executor() : nullptr;
}

void start_send(const std::shared_ptr<client_impl>& impl, request&& req, send_handler&& handler,
                bool inline_completion) {
    auto slot = asio::get_associated_cancellation_slot(handler);
    // One thread runs everything: the executor already serialises, a strand would only cost.
    asio::any_io_executor ex = impl->options().single_threaded
                                   ? impl->executor()
                                   : asio::any_io_executor(asio::make_strand(impl->executor()));
    // The outcome lives beside the handler, not in the coroutine's return value: a response
    // returned through co_spawn would be moved five more times on its way to the caller.
    auto state = std::make_unique<send_state>();
    send_state& out = *state;
    completion done{std::move(handler), impl->executor(), inline_completion, std::move(state)};
    asio::co_spawn(std::move(ex), run(impl, std::move(req), out),
                   asio::bind_cancellation_slot(slot, std::move(done)));
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
