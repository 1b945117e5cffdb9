// The bulk job: sweep what already exists, create the rest with reconcile-before-retry, keep
// the results file current, and account for every entry. Exactly once without an idempotency
// key: the platform, searched by the salvo-key tag, is the source of truth.
#pragma once

#include <salvo/http/metrics.hpp>
#include <salvo/platform/client.hpp>
#include <salvo/provision/manifest.hpp>
#include <salvo/provision/results.hpp>

#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace salvo::provision {

struct run_summary;
struct teardown_summary;

// What happened during a run, for a log. Kinds whose fields are not listed carry none.
enum class run_event_kind {
    run_started,          // the summary holds `entries`
    sweep_finished,       // count: instances of the batch on the platform; summary.existing:
                          // this shard's entries adopted
    sweep_failed,         // status, request_id, message; the run stops (summary.fatal)
    entry_created,        // entry, id, attempts
    outcome_unknown,      // entry, status, request_id, message, attempts: a POST that may have
                          // acted; it is looked up by its key tag next
    reconciled,           // entry, id, attempts: an unknown outcome found created
    reconcile_not_found,  // entry, attempts, count: 1 when it is sent again, 0 when out of rounds
    entry_failed,         // entry, status, request_id, message, attempts
    auth_rejected,        // entry (empty when listing), status, request_id, message
    run_stopped,          // count: entries not started; message: why (interrupted, deadline...)
    checkpoint_written,   // count: records in the results file
    results_written,      // count: records in the results file (at the end)
    results_failed,       // message: why the results file could not be written
    run_finished,         // the summary is complete
    teardown_listed,      // count: instances of the batch found
    delete_failed,        // entry (the instance's name), id, status, request_id, message
    teardown_finished,    // teardown points at the complete summary
};

// The event's name as logs show it: "entry_failed", "run_started", ...
std::string_view to_string(run_event_kind kind) noexcept;

// One event. Views and pointers are valid during the call only. Messages come redacted by the
// platform layer; instance tokens are never part of an event.
struct run_event {
    run_event_kind kind = run_event_kind::run_started;
    std::string_view entry;       // the entry's (or instance's) name
    int status = 0;               // HTTP status of the answer; 0 when there was none
    std::string_view request_id;  // the platform's requestId of that answer; empty when none
    std::string_view message;
    int attempts = 0;                            // POSTs sent for the entry so far
    std::int64_t id = 0;                         // the instance's id; 0 when none
    std::size_t count = 0;                       // see the kinds
    const run_summary* summary = nullptr;        // the run so far (provision events)
    const teardown_summary* teardown = nullptr;  // teardown events
};

// Receives a run's events on the runner's strand, one at a time. Keep it short: it runs between
// the run's steps. An exception it throws is ignored.
using run_event_sink = std::function<void(const run_event&)>;

struct run_options {
    // Calls in flight at once. The http::client's max_connections_per_origin enforces it (the
    // CLI sets both); the runner keeps a few entries per slot going so waits overlap.
    std::size_t concurrency = 16;
    // Create rounds per entry: a POST whose outcome is unknown is looked up by its key tag and
    // sent again only when not found, up to this many POSTs in all.
    int max_rounds = 5;
    bool dry_run = false;       // sweep and plan; no POST
    std::filesystem::path out;  // results file; empty: none
    std::chrono::seconds checkpoint_interval{5};
    std::optional<std::chrono::steady_clock::duration> deadline;  // for the whole run
    run_event_sink on_event;                                      // empty: no events
};

// A failed entry, for the summary.
struct failure_note {
    std::string name;
    int status = 0;  // HTTP status, 0 when no answer
    std::string message;
    std::string request_id;
};

struct run_summary {
    std::size_t entries = 0;  // this shard's
    std::size_t created = 0;
    std::size_t existing = 0;
    std::size_t failed = 0;
    std::size_t not_started = 0;   // left when the run stopped early
    std::size_t create_calls = 0;  // POSTs sent (engine retries not counted)
    std::size_t reconcile_lookups = 0;
    std::size_t reconciled = 0;  // unknown outcomes found created on the platform
    bool auth_rejected = false;
    bool interrupted = false;
    std::string fatal;          // why the run stopped before creating anything (sweep failure...)
    std::string results_error;  // the results file could not be written (the old one stands)
    std::vector<failure_note> first_failures;  // up to 5
    double seconds = 0;
    std::uint64_t entry_p50_us = 0;
    std::uint64_t entry_p99_us = 0;
};

// Live counters for a progress display; read from any thread.
struct run_progress {
    std::atomic<std::size_t> total{0};
    std::atomic<std::size_t> done{0};
    std::atomic<std::size_t> created{0};
    std::atomic<std::size_t> existing{0};
    std::atomic<std::size_t> failed{0};
    std::atomic<std::size_t> reconciled{0};
    std::atomic<bool> swept{false};
};

class runner {
  public:
    runner(platform::client& api, manifest m, run_options options);
    ~runner();
    runner(const runner&) = delete;
    runner& operator=(const runner&) = delete;

    // Runs the job once. Never throws for platform or network failures; they are in the summary
    // and the records. Results are written to options.out as the run goes and at the end.
    boost::asio::awaitable<run_summary> run();

    // Stop starting new entries (SIGINT); calls in flight finish. Callable from any thread.
    void stop() noexcept;

    const run_progress& progress() const noexcept;
    // One record per entry handled, in manifest order (complete once run() returned).
    std::vector<result_record> records() const;
    const manifest& job() const noexcept;

  private:
    boost::asio::awaitable<run_summary> run_serialized();

    struct state;
    std::unique_ptr<state> state_;
};

// Deletes every instance of `batch` (found by its salvo-batch tag) with `concurrency` calls in
// flight; already gone counts as deleted.
struct teardown_summary {
    std::size_t found = 0;
    std::size_t deleted = 0;
    std::size_t failed = 0;
    std::string fatal;
    bool auth_rejected = false;
    std::vector<failure_note> first_failures;
};

boost::asio::awaitable<teardown_summary> teardown(platform::client& api, std::string batch,
                                                  std::size_t concurrency,
                                                  run_event_sink on_event = {});

}  // namespace salvo::provision
