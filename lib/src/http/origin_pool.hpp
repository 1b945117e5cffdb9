// The connections of one origin (scheme, host, port): idle ones kept warm, a cap on how many
// exist, a FIFO of requests waiting for one, the origin's DNS answers and TLS session, and the
// origin's shared policy state (retry budget, rate limiter, adaptive concurrency limit).
#pragma once

#include "http/connection.hpp"
#include "http/proxy.hpp"
#include "http/tls_context.hpp"

#include <salvo/http/options.hpp>
#include <salvo/policy/classification.hpp>
#include <salvo/policy/concurrency_limit.hpp>
#include <salvo/policy/random.hpp>
#include <salvo/policy/rate_limiter.hpp>
#include <salvo/policy/retry.hpp>
#include <salvo/policy/retry_budget.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace salvo::http::detail {

struct origin {
    bool tls = false;
    std::string host;  // as in the URL, without IPv6 brackets
    std::uint16_t port = 0;
};

struct pool_waiter;  // a request sleeping (backoff, rate limit) or waiting for a DNS answer

// A request queued for a connection, in its lease: in the pool's FIFO from async_wait() until
// whoever ends the wait (a freed connection, a permit to open one, the request's deadline, its
// cancellation, shutdown) says how in `state` and completes it on `owner`.
struct connection_wait {
    enum class outcome : unsigned char {
        waiting,
        granted,    // `granted`: a kept connection handed over
        permitted,  // the right to open a new one
        timed_out,
        cancelled,
        refused,  // shutdown
    };
    boost::asio::any_io_executor owner;
    clock::time_point deadline{};
    outcome state = outcome::waiting;
    std::shared_ptr<connection> granted;
    boost::asio::cancellation_slot slot;
    // Filled with swap(), moved from with its move constructor: Boost 1.81's move assignment
    // of any_completion_handler wraps the handler in another one, recursively.
    boost::asio::any_completion_handler<void()> handler;
};

// A connection lent to one request. `reused` is false for a new, not yet connected one. With
// neither a connection nor an error, the request is `queued`: it awaits async_wait(), then
// end_wait() turns the wait's outcome into a connection or an error.
struct lease {
    std::shared_ptr<connection> conn;
    bool reused = false;
    bool queued = false;
    step_result result;
    connection_wait wait;

    lease() = default;
    lease(lease&&) = default;
    lease& operator=(lease&&) = delete;  // see connection_wait::handler

    static lease refused(error e, std::string why) {
        lease l;
        l.result = {make_error_code(e), std::move(why)};
        return l;
    }
};

class origin_pool : public std::enable_shared_from_this<origin_pool> {
  public:
    // `route`: through a proxy, decided once for the origin (client_options::proxy).
    origin_pool(origin o, const client_options& options, boost::asio::any_io_executor executor,
                boost::asio::ssl::context* tls, std::optional<proxy_route> route = {});
    origin_pool(const origin_pool&) = delete;
    origin_pool& operator=(const origin_pool&) = delete;

    const origin& key() const noexcept { return origin_; }
    session_slot& sessions() noexcept { return sessions_; }
    const proxy_route* route() const noexcept { return route_ ? &*route_ : nullptr; }

    // Whether the server has closed a kept connection without announcing it (no
    // `Connection: close`): found by a peek, or by a request that met a dead connection. From
    // then on, non-idempotent requests peek even on a connection that was busy a moment ago.
    bool closes_unannounced() const noexcept {
        return closes_unannounced_.load(std::memory_order_relaxed);
    }
    void note_unannounced_close() noexcept {
        closes_unannounced_.store(true, std::memory_order_relaxed);
    }

    // An idle connection, a new one if under the cap, or the next one freed, in FIFO order,
    // waiting no later than `deadline`. `fresh` refuses idle connections (after a stale one).
    // `owner` is the strand of the requesting operation (shutdown cancels through it).
    // take() answers at once when it can - the common case; a lease it returns `queued` is
    // then awaited with async_wait() and settled with end_wait().
    lease take(const boost::asio::any_io_executor& owner, clock::time_point deadline, bool fresh);

    // Queues `l` (a lease take() returned queued) until a connection or a permit is its turn,
    // its deadline passes, it is cancelled through the handler's slot, or the pool shuts down.
    // Completes with void() on l.wait.owner. No timer per waiter: the pool keeps one, for the
    // earliest deadline, and a handover is one post.
    template <class Token>
    auto async_wait(lease& l, Token&& token) {
        return boost::asio::async_initiate<Token, void()>(
            [this, &l](auto handler) {
                auto slot = boost::asio::get_associated_cancellation_slot(handler);
                enqueue(l.wait, slot,
                        boost::asio::any_completion_handler<void()>(std::move(handler)));
            },
            token);
    }
    void end_wait(lease& l);

    // Gives a connection back: kept (or handed to the first waiter) when `keep`, else closed
    // and its place in the cap given to the first waiter.
    void release(const std::shared_ptr<connection>& conn, bool keep);

    // Waits `delay` (a backoff or rate-limit wait); shutdown ends it with error::shutdown,
    // the caller's cancellation with error::cancelled.
    boost::asio::awaitable<boost::system::error_code> sleep(
        const boost::asio::any_io_executor& owner, clock::duration delay);

    // The policy state, under the pool's lock.
    clock::duration reserve_rate(clock::time_point now);
    // Feeds an attempt's outcome to the budget and the adaptive limit and, with a `retry`
    // policy, decides whether to repeat it: one lock per attempt.
    std::optional<policy::retry_decision> settle(const policy::classification& c,
                                                 int last_retry_cost, clock::time_point sent_at,
                                                 const policy::retry_policy* retry,
                                                 const policy::retry_input& input);
    int concurrency_limit() const;

    // Resolved addresses (the proxy's, through one), cached for the DNS TTL. One lookup at a
    // time: requests arriving meanwhile wait for its answer (a burst of new connections makes
    // one DNS query, not one each).
    boost::asio::awaitable<step_result> resolve(clock::time_point deadline,
                                                boost::asio::ip::tcp::resolver::results_type& out);
    std::uint64_t dns_lookups() const noexcept {
        return dns_lookups_.load(std::memory_order_relaxed);
    }

    // Closes idle connections, refuses waiters and new requests, cancels requests in flight.
    void shutdown();

    std::size_t open_connections() const;

  private:
    using waiter = pool_waiter;
    struct cancel_wait;
    void enqueue(connection_wait& w, boost::asio::cancellation_slot slot,
                 boost::asio::any_completion_handler<void()> handler);
    void cancel(connection_wait& w);
    void complete(connection_wait& w);             // under the lock
    void arm_sweeper(clock::time_point deadline);  // under the lock
    void disarm_sweeper_if_idle();                 // under the lock
    void sweep();                                  // ends the waits whose deadline has passed
    void record(const policy::classification& c, int last_retry_cost,
                clock::time_point sent_at);  // under the lock
    void wake(const std::shared_ptr<waiter>& w);
    void serve_waiters();             // under the lock
    std::size_t admit_limit() const;  // under the lock
    std::shared_ptr<connection> make_connection();
    std::string dns_name() const;  // what resolve() looks up, for messages
    boost::asio::awaitable<step_result> lookup(clock::time_point deadline,
                                               boost::asio::ip::tcp::resolver::results_type& out);
    // Wakes the requests waiting for the lookup; they share its answer unless it was only its
    // own request's (deadline, cancellation), then one of them looks the name up again.
    void end_lookup(const step_result& result,
                    const boost::asio::ip::tcp::resolver::results_type& addresses);
    void link_active(connection* c, const boost::asio::any_io_executor& owner);
    void unlink_active(connection* c);

    const struct origin origin_;
    const client_options& options_;
    boost::asio::any_io_executor executor_;
    boost::asio::ssl::context* tls_;
    session_slot sessions_;
    const std::optional<proxy_route> route_;
    std::atomic<bool> closes_unannounced_{false};

    mutable std::mutex mutex_;
    bool closed_ = false;
    std::size_t open_ = 0;                          // counted against the cap
    std::deque<std::shared_ptr<connection>> idle_;  // oldest first; reuse the newest
    std::deque<connection_wait*> waiters_;          // FIFO
    boost::asio::steady_timer sweeper_;             // for the earliest deadline in waiters_
    std::optional<clock::time_point> sweep_at_;     // when sweeper_ is armed
    std::vector<connection*> active_;               // lent out, for shutdown
    std::size_t permits_ = 0;  // waiters told to open a connection, not yet awake
    std::vector<std::shared_ptr<waiter>> sleepers_;  // in backoff or rate-limit waits
    std::optional<policy::retry_budget> budget_;
    policy::rate_limiter rate_;
    std::optional<policy::concurrency_limit> adaptive_;
    policy::rng rng_;
    boost::asio::ip::tcp::resolver::results_type addresses_;
    clock::time_point addresses_expire_{};
    std::atomic<std::uint64_t> dns_lookups_{0};
    bool resolving_ = false;                               // a lookup is in flight
    std::vector<std::shared_ptr<waiter>> lookup_waiters_;  // requests waiting for its answer
};

}  // namespace salvo::http::detail
