#include "http/origin_pool.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <random>

namespace salvo::http::detail {

namespace asio = boost::asio;
using boost::system::error_code;

struct pool_waiter {
    explicit pool_waiter(const asio::any_io_executor& owner) : timer(owner) {}
    asio::steady_timer timer;
    bool refused = false;  // shutdown
    // A DNS waiter: the lookup it waited for has ended, with this answer for every request
    // (addresses or no such name), or none (that lookup's own deadline or cancellation).
    bool looked_up = false;
    std::optional<step_result> answer;
    asio::ip::tcp::resolver::results_type addresses;
};

origin_pool::origin_pool(origin o, const client_options& options, asio::any_io_executor executor,
                         asio::ssl::context* tls, std::optional<proxy_route> route)
    : origin_(std::move(o)),
      options_(options),
      executor_(std::move(executor)),
      tls_(tls),
      route_(std::move(route)),
      sweeper_(executor_),
      rate_(options.rate),
      rng_(options.seed != 0 ? options.seed : std::random_device{}()) {
    if (options.retry_budget) {
        budget_.emplace(options.budget);
    }
    if (options.adaptive_concurrency) {
        auto limits = options.concurrency;
        limits.max = static_cast<int>(options.max_connections_per_origin);
        adaptive_.emplace(limits);
    }
}

std::string origin_pool::dns_name() const {
    return route_ ? "proxy " + route_->proxy_host : origin_.host;
}

std::shared_ptr<connection> origin_pool::make_connection() {
    return std::make_shared<connection>(executor_, origin_.tls ? tls_ : nullptr);
}

void origin_pool::link_active(connection* c, const asio::any_io_executor& owner) {
    c->owner = owner;
    c->active_index = active_.size();
    active_.push_back(c);
}

void origin_pool::unlink_active(connection* c) {
    c->owner = nullptr;  // a kept connection must not keep the last request's strand alive
    connection* last = active_.back();
    active_[c->active_index] = last;
    last->active_index = c->active_index;
    active_.pop_back();
}

// How many requests may hold a connection at once: the cap, or the adaptive limit below it.
std::size_t origin_pool::admit_limit() const {
    const std::size_t cap = options_.max_connections_per_origin;
    return adaptive_ ? std::min(cap, static_cast<std::size_t>(adaptive_->limit())) : cap;
}

// The waiter's coroutine runs on its own strand; waking it there keeps the timer single-threaded.
void origin_pool::wake(const std::shared_ptr<waiter>& w) {
    asio::post(w->timer.get_executor(), [w] { w->timer.cancel(); });
}

// Ends `w`'s wait as w.state says: its handler runs on its owner, where the cancellation slot
// is cleared first (slots are used on their owner only).
void origin_pool::complete(connection_wait& w) {
    asio::post(w.owner, [slot = w.slot, handler = std::move(w.handler)]() mutable {
        slot.clear();
        std::move(handler)();
    });
}

// Hands idle connections, or the right to open one, to waiters in FIFO order while the cap and
// the adaptive limit allow.
void origin_pool::serve_waiters() {
    while (!waiters_.empty() && active_.size() + permits_ < admit_limit()) {
        connection_wait& w = *waiters_.front();
        if (!idle_.empty()) {
            w.granted = std::move(idle_.back());
            idle_.pop_back();
            link_active(w.granted.get(), w.owner);
            w.state = connection_wait::outcome::granted;
        } else if (open_ < options_.max_connections_per_origin) {
            ++open_;
            ++permits_;
            w.state = connection_wait::outcome::permitted;
        } else {
            return;
        }
        waiters_.pop_front();
        complete(w);
    }
    disarm_sweeper_if_idle();
}

lease origin_pool::take(const asio::any_io_executor& owner, clock::time_point deadline,
                        bool fresh) {
    lease out;
    std::vector<std::shared_ptr<connection>> expired;
    {
        std::lock_guard lock(mutex_);
        if (closed_) {
            return lease::refused(error::shutdown, "client shut down");
        }
        const auto now = clock::now();
        while (!idle_.empty() && now - idle_.front()->idle_since >= options_.idle_timeout) {
            expired.push_back(std::move(idle_.front()));
            idle_.pop_front();
            --open_;
        }
        const bool admitted = waiters_.empty() && active_.size() + permits_ < admit_limit();
        if (admitted && !fresh && !idle_.empty()) {
            out.conn = std::move(idle_.back());
            out.reused = true;
            idle_.pop_back();
            link_active(out.conn.get(), owner);
        } else {
            if (admitted && open_ >= options_.max_connections_per_origin && !idle_.empty()) {
                expired.push_back(std::move(idle_.front()));  // make room for a fresh connection
                idle_.pop_front();
                --open_;
            }
            if (admitted && open_ < options_.max_connections_per_origin) {
                ++open_;
                out.conn = make_connection();
                link_active(out.conn.get(), owner);
            } else {
                out.queued = true;
                out.wait.owner = owner;
                out.wait.deadline = deadline;
            }
        }
    }
    for (auto& c : expired) {
        c->close();
    }
    return out;
}

// Cancels a queued wait; installed in the waiting request's cancellation slot.
struct origin_pool::cancel_wait {
    origin_pool* pool;
    connection_wait* wait;
    void operator()(asio::cancellation_type type) const {
        if (type != asio::cancellation_type::none) {
            pool->cancel(*wait);
        }
    }
};

void origin_pool::enqueue(connection_wait& w, asio::cancellation_slot slot,
                          asio::any_completion_handler<void()> handler) {
    w.slot = slot;
    w.handler.swap(handler);
    std::lock_guard lock(mutex_);
    if (closed_) {
        w.state = connection_wait::outcome::refused;
        complete(w);
        return;
    }
    waiters_.push_back(&w);
    serve_waiters();  // a connection freed since take(), on another thread, is this one's
    if (w.state != connection_wait::outcome::waiting) {
        return;
    }
    arm_sweeper(w.deadline);
    if (slot.is_connected()) {
        slot.emplace<cancel_wait>(cancel_wait{this, &w});
    }
}

void origin_pool::cancel(connection_wait& w) {
    std::lock_guard lock(mutex_);
    if (w.state != connection_wait::outcome::waiting) {
        return;  // ended already; its completion is on its way
    }
    waiters_.erase(std::find(waiters_.begin(), waiters_.end(), &w));
    w.state = connection_wait::outcome::cancelled;
    complete(w);
    disarm_sweeper_if_idle();
}

// One timer for every waiter: armed for the earliest deadline in the queue, re-armed only when
// an earlier one arrives. Requests with one timeout queue in deadline order, so it fires about
// once per timeout and a handover never touches a timer.
void origin_pool::arm_sweeper(clock::time_point deadline) {
    if (sweep_at_ && *sweep_at_ <= deadline) {
        return;
    }
    sweep_at_ = deadline;
    sweeper_.expires_at(deadline);  // an earlier wait ends with operation_aborted
    sweeper_.async_wait([weak = weak_from_this()](const error_code& ec) {
        if (ec) {
            return;  // re-armed, shut down, or the pool is going away
        }
        if (const auto self = weak.lock()) {
            self->sweep();
        }
    });
}

// With nobody waiting, the timer must not keep the io_context running.
void origin_pool::disarm_sweeper_if_idle() {
    if (waiters_.empty() && sweep_at_) {
        sweep_at_.reset();
        sweeper_.cancel();
    }
}

void origin_pool::sweep() {
    std::lock_guard lock(mutex_);
    sweep_at_.reset();
    const auto now = clock::now();
    std::optional<clock::time_point> earliest;
    for (auto it = waiters_.begin(); it != waiters_.end();) {
        connection_wait& w = **it;
        if (w.deadline <= now) {
            w.state = connection_wait::outcome::timed_out;
            complete(w);
            it = waiters_.erase(it);
            continue;
        }
        earliest = earliest ? std::min(*earliest, w.deadline) : w.deadline;
        ++it;
    }
    if (earliest) {
        arm_sweeper(*earliest);
    }
}

void origin_pool::end_wait(lease& l) {
    connection_wait& w = l.wait;
    l.queued = false;
    std::lock_guard lock(mutex_);
    switch (w.state) {
        case connection_wait::outcome::granted:
            l.conn = std::move(w.granted);
            l.reused = true;
            return;
        case connection_wait::outcome::permitted:
            --permits_;
            l.conn = make_connection();
            l.reused = false;
            link_active(l.conn.get(), w.owner);
            return;
        case connection_wait::outcome::waiting:  // not reached: a wait completes once ended
        case connection_wait::outcome::refused:
            break;
        case connection_wait::outcome::cancelled:
            if (!closed_) {
                l.result = {make_error_code(error::cancelled),
                            "cancelled while waiting for a connection"};
                return;
            }
            break;
        case connection_wait::outcome::timed_out:
            if (!closed_) {
                l.result = {make_error_code(error::pool_timeout),
                            "no connection to " + origin_.host +
                                " became free before the deadline (" +
                                std::to_string(active_.size()) + " in use)"};
                return;
            }
            break;
    }
    l.result = {make_error_code(error::shutdown), "client shut down"};
}

void origin_pool::release(const std::shared_ptr<connection>& conn, bool keep) {
    if (!keep) {
        conn->close();
    }
    std::lock_guard lock(mutex_);
    unlink_active(conn.get());
    if (keep && closed_) {
        conn->close();
        keep = false;
    }
    if (keep) {
        conn->idle_since = clock::now();
        idle_.push_back(conn);
    } else {
        --open_;
    }
    serve_waiters();
}

asio::awaitable<error_code> origin_pool::sleep(const asio::any_io_executor& owner,
                                               clock::duration delay) {
    auto w = std::make_shared<waiter>(owner);
    w->timer.expires_after(delay);
    {
        std::lock_guard lock(mutex_);
        if (closed_) {
            co_return make_error_code(error::shutdown);
        }
        sleepers_.push_back(w);
    }
    auto [ec] = co_await w->timer.async_wait(asio::as_tuple(asio::deferred));
    std::lock_guard lock(mutex_);
    if (w->refused) {
        co_return make_error_code(error::shutdown);
    }
    sleepers_.erase(std::find(sleepers_.begin(), sleepers_.end(), w));
    co_return ec ? make_error_code(error::cancelled) : error_code{};
}

clock::duration origin_pool::reserve_rate(clock::time_point now) {
    if (rate_.unlimited()) {  // fixed at construction: no lock needed to read it
        return clock::duration::zero();
    }
    std::lock_guard lock(mutex_);
    return rate_.reserve(now);
}

std::optional<policy::retry_decision> origin_pool::settle(const policy::classification& c,
                                                          int last_retry_cost,
                                                          clock::time_point sent_at,
                                                          const policy::retry_policy* retry,
                                                          const policy::retry_input& input) {
    std::lock_guard lock(mutex_);
    record(c, last_retry_cost, sent_at);
    if (retry == nullptr) {
        return std::nullopt;
    }
    return policy::decide_retry(*retry, input, budget_ ? &*budget_ : nullptr, rng_);
}

void origin_pool::record(const policy::classification& c, int last_retry_cost,
                         clock::time_point sent_at) {
    if (c.healthy_response && budget_) {
        budget_->on_success(last_retry_cost);
    }
    if (adaptive_) {
        const auto now = clock::now();
        if (c.throttling) {
            adaptive_->on_throttled(now, sent_at);
        } else if (c.healthy_response) {
            adaptive_->on_success(now);
            serve_waiters();  // the limit may have grown
        }
    }
}

int origin_pool::concurrency_limit() const {
    std::lock_guard lock(mutex_);
    return static_cast<int>(admit_limit());
}

asio::awaitable<step_result> origin_pool::resolve(clock::time_point deadline,
                                                  asio::ip::tcp::resolver::results_type& out) {
    const auto ex = co_await asio::this_coro::executor;
    for (;;) {
        std::shared_ptr<waiter> w;
        {
            std::lock_guard lock(mutex_);
            if (!addresses_.empty() && clock::now() < addresses_expire_) {
                out = addresses_;
                co_return step_result{};
            }
            if (!resolving_) {
                resolving_ = true;
                break;
            }
            w = std::make_shared<waiter>(ex);
            w->timer.expires_at(deadline);
            lookup_waiters_.push_back(w);
        }
        auto [ec] = co_await w->timer.async_wait(asio::as_tuple(asio::deferred));
        std::lock_guard lock(mutex_);
        if (w->refused) {
            co_return step_result{make_error_code(error::shutdown), "client shut down"};
        }
        if (!w->looked_up) {
            lookup_waiters_.erase(std::find(lookup_waiters_.begin(), lookup_waiters_.end(), w));
            if (ec == asio::error::operation_aborted) {
                co_return step_result{make_error_code(error::cancelled),
                                      "cancelled during DNS lookup"};
            }
            co_return step_result{make_error_code(error::connect_timeout),
                                  "DNS lookup of " + dns_name() + " timed out"};
        }
        if (w->answer) {
            out = std::move(w->addresses);
            co_return std::move(*w->answer);
        }
        // That lookup ended for its own request only: look again, this request or another.
    }
    step_result result;
    try {
        result = co_await lookup(deadline, out);
    } catch (...) {
        end_lookup(step_result{make_error_code(error::cancelled), {}}, out);
        throw;
    }
    end_lookup(result, out);
    co_return result;
}

void origin_pool::end_lookup(const step_result& result,
                             const asio::ip::tcp::resolver::results_type& addresses) {
    const bool for_everyone = !result.ec || result.ec == error::resolve_failed;
    std::lock_guard lock(mutex_);
    resolving_ = false;
    for (auto& w : lookup_waiters_) {
        w->looked_up = true;
        if (for_everyone) {
            w->answer = result;
            w->addresses = addresses;
        }
        wake(w);
    }
    lookup_waiters_.clear();
}

// The DNS query itself, bounded by `deadline`; its answer is cached for the DNS TTL.
asio::awaitable<step_result> origin_pool::lookup(clock::time_point deadline,
                                                 asio::ip::tcp::resolver::results_type& out) {
    dns_lookups_.fetch_add(1, std::memory_order_relaxed);
    using namespace asio::experimental::awaitable_operators;
    const auto ex = co_await asio::this_coro::executor;
    asio::ip::tcp::resolver resolver(ex);
    asio::steady_timer timer(ex, deadline);
    constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
    const std::string& host = route_ ? route_->proxy_host : origin_.host;
    const std::string port = std::to_string(route_ ? route_->proxy_port : origin_.port);
    auto result =
        co_await (resolver.async_resolve(host, port, nothrow) || timer.async_wait(nothrow));
    if (result.index() == 1) {
        co_return step_result{make_error_code(error::connect_timeout),
                              "DNS lookup of " + dns_name() + " timed out"};
    }
    auto [ec, addresses] = std::get<0>(std::move(result));
    if (ec == asio::error::operation_aborted) {
        co_return step_result{make_error_code(error::cancelled), "cancelled during DNS lookup"};
    }
    if (ec || addresses.empty()) {
        co_return step_result{make_error_code(error::resolve_failed),
                              "cannot resolve " + dns_name() + ": " + ec.message()};
    }
    std::lock_guard lock(mutex_);
    addresses_ = addresses;
    addresses_expire_ = clock::now() + options_.dns_ttl;
    out = std::move(addresses);
    co_return step_result{};
}

void origin_pool::shutdown() {
    std::deque<std::shared_ptr<connection>> idle;
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
        idle.swap(idle_);
        open_ -= idle.size();
        for (connection_wait* w : waiters_) {
            w->state = connection_wait::outcome::refused;
            complete(*w);
        }
        waiters_.clear();
        disarm_sweeper_if_idle();
        for (auto& w : sleepers_) {
            w->refused = true;
            wake(w);
        }
        sleepers_.clear();
        for (auto& w : lookup_waiters_) {
            w->refused = true;
            wake(w);
        }
        lookup_waiters_.clear();
        for (connection* c : active_) {
            asio::post(c->owner, [conn = c->shared_from_this()] { conn->cancel(); });
        }
    }
    for (auto& c : idle) {
        c->close();
    }
}

std::size_t origin_pool::open_connections() const {
    std::lock_guard lock(mutex_);
    return open_;
}

}  // namespace salvo::http::detail
