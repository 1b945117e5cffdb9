#include <salvo/provision/keys.hpp>
#include <salvo/provision/plan.hpp>
#include <salvo/provision/runner.hpp>

#include <salvo/policy/backoff.hpp>
#include <salvo/policy/random.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <random>

namespace salvo::provision {

namespace asio = boost::asio;
using steady = std::chrono::steady_clock;

namespace {

constexpr std::size_t max_failure_notes = 5;
constexpr std::size_t workers_per_call = 4;
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

bool is_auth_failure(const platform::failure& f) {
    return f.answered() && (f.status == 401 || f.status == 403);
}

// The platform may have acted: connection lost or timed out after the write, or a 5xx answer.
bool outcome_unknown(const platform::failure& f) {
    return f.sent_without_answer() || (f.answered() && f.status >= 500);
}

result_error error_of(const platform::failure& f) {
    result_error e;
    if (f.answered() && f.status != 0) {
        e.status = static_cast<int>(f.status);
    }
    e.message = f.api && !f.api->message.empty() ? f.api->message : f.message;
    if (f.api && !f.api->request_id.empty()) {
        e.request_id = f.api->request_id;
    }
    return e;
}

// Calls `sink` with `e`; a log that fails must not stop the run.
void emit(const run_event_sink& sink, const run_event& e) noexcept {
    if (!sink) {
        return;
    }
    try {
        sink(e);
    } catch (...) {
    }
}

// An event about a failed call: its status, requestId and message.
run_event failure_event(run_event_kind kind, const result_error& e) {
    run_event ev;
    ev.kind = kind;
    ev.status = e.status.value_or(0);
    if (e.request_id) {
        ev.request_id = *e.request_id;
    }
    ev.message = e.message;
    return ev;
}

failure_note note_of(const result_record& r) {
    failure_note n;
    n.name = r.name;
    if (r.error) {
        n.status = r.error->status.value_or(0);
        n.message = r.error->message;
        n.request_id = r.error->request_id.value_or("");
    }
    return n;
}

// Waits until `count` reaches zero: the last worker to finish cancels the timer.
struct join_counter {
    asio::steady_timer timer;
    std::size_t count = 0;
    explicit join_counter(const asio::any_io_executor& ex) : timer(ex, steady::time_point::max()) {}
    void done() {
        if (--count == 0) {
            timer.cancel();
        }
    }
    asio::awaitable<void> wait() {
        while (count > 0) {
            co_await timer.async_wait(nothrow);
        }
    }
};

// What a worker reuses from entry to entry, outside the coroutine frames: the entry's POST body
// and its record so far.
struct worker {
    std::string body;
    result_record record;
    steady::time_point start;
};

}  // namespace

struct runner::state {
    platform::client& api;
    manifest job;
    run_options options;
    run_progress progress;
    std::atomic<bool> stopping{false};

    // Everything below is touched by the run only, one thread at a time (see run()).
    std::vector<std::optional<result_record>> records;  // by entry position
    std::vector<std::string> hashes;
    std::string batch;  // batch_tag(job.batch)
    run_summary summary;
    http::latency_histogram latency;
    policy::rng rng{std::random_device{}()};
    std::optional<steady::time_point> deadline;
    bool dirty = false;
    // A checkpoint rewrites the whole file between the run's steps, so its cost grows with the
    // manifest: the next one waits at least ten times as long as the last took, and writing
    // never takes more than a tenth of a run, however large.
    std::chrono::steady_clock::duration checkpoint_gap{};
    std::size_t swept_instances = 0;  // instances of the batch found by the sweep

    state(platform::client& a, manifest m, run_options o)
        : api(a), job(std::move(m)), options(std::move(o)) {}

    void emit(run_event e) const {
        e.summary = &summary;
        provision::emit(options.on_event, e);
    }

    bool should_stop() const {
        return stopping.load(std::memory_order_relaxed) || (deadline && steady::now() >= *deadline);
    }

    platform::call_options call_options() const {
        platform::call_options c;
        if (deadline) {
            c.timeout =
                std::max<steady::duration>(*deadline - steady::now(), std::chrono::milliseconds(1));
        }
        return c;
    }

    void finish(std::size_t index, result_record record) {
        switch (record.status) {
            case result_status::created:
                ++summary.created;
                ++progress.created;
                break;
            case result_status::existing:
                ++summary.existing;
                ++progress.existing;
                break;
            case result_status::failed:
                ++summary.failed;
                ++progress.failed;
                if (summary.first_failures.size() < max_failure_notes) {
                    summary.first_failures.push_back(note_of(record));
                }
                break;
        }
        ++progress.done;
        records[index] = std::move(record);
        dirty = true;
    }

    result_record blank(std::size_t index) const {
        const entry& e = job.entries[index];
        result_record r;
        r.name = e.name;
        r.key = e.key;
        r.element = e.element;
        return r;
    }

    std::vector<result_record> collected() const {
        std::vector<result_record> out;
        out.reserve(records.size());
        for (const auto& r : records) {
            if (r) {
                out.push_back(*r);
            }
        }
        return out;
    }

    // `final`: the end of the run, else a checkpoint.
    void write_results(bool final) {
        if (options.out.empty() || options.dry_run) {
            return;
        }
        const auto started = std::chrono::steady_clock::now();
        try {
            const std::size_t written = write_entry_results_atomically(options.out, records);
            checkpoint_gap = std::max<std::chrono::steady_clock::duration>(
                options.checkpoint_interval, 10 * (std::chrono::steady_clock::now() - started));
            dirty = false;
            summary.results_error.clear();  // a later write succeeded: the file is whole again
            run_event e;
            e.kind = final ? run_event_kind::results_written : run_event_kind::checkpoint_written;
            e.count = written;
            emit(e);
        } catch (const std::exception& ex) {
            const bool repeated = summary.results_error == ex.what();
            summary.results_error = ex.what();
            if (!repeated || final) {  // a checkpoint failing every 5 s is said once
                run_event e;
                e.kind = run_event_kind::results_failed;
                e.message = summary.results_error;
                emit(e);
            }
        }
    }

    // Rewrites the results file every checkpoint_interval (or checkpoint_gap, for large files)
    // while entries complete, so a crash loses little; the platform (the next run's sweep)
    // recovers the rest.
    asio::awaitable<void> checkpoints(asio::steady_timer& timer, const bool& finished,
                                      join_counter& join) {
        while (!finished) {
            timer.expires_after(std::max<std::chrono::steady_clock::duration>(
                options.checkpoint_interval, checkpoint_gap));
            co_await timer.async_wait(nothrow);
            if (dirty && !finished) {
                write_results(false);
            }
        }
        join.done();
    }

    // The sweep: what an earlier run (or another shard) already created in this batch.
    asio::awaitable<std::optional<existing_index>> sweep() {
        std::vector<std::string> tags{batch_tag(job.batch)};  // GCC 12: no braced lists in co_await
        auto page = co_await api.list_all_instances(std::move(tags), platform::max_page_size,
                                                    call_options());
        if (!page) {
            summary.auth_rejected = is_auth_failure(page.error());
            summary.fatal = "cannot list the batch's existing instances: " + page.error().message;
            result_error error = error_of(page.error());
            if (!summary.auth_rejected) {
                error.message = summary.fatal;
            }
            emit(failure_event(summary.auth_rejected ? run_event_kind::auth_rejected
                                                     : run_event_kind::sweep_failed,
                               error));
            co_return std::nullopt;
        }
        swept_instances = page->instances.size();
        existing_index found;
        for (auto& inst : page->instances) {
            for (const auto& tag : inst.tags) {
                if (tag.starts_with(key_tag_prefix)) {
                    auto [it, inserted] =
                        found.try_emplace(tag, existing_instance{inst.id, inst.token});
                    if (!inserted && inst.id < it->second.id) {
                        it->second = existing_instance{inst.id, inst.token};  // the oldest wins
                    }
                }
            }
        }
        co_return found;
    }

    // The body of entry `index`'s POST, written into `body` (a worker's, reused).
    void write_body(std::size_t index, std::string& body) const {
        const entry& e = job.entries[index];
        // The tags of tags_for(e, batch): the entry's, then the batch's and the key's.
        const std::string key = key_tag(hashes[index]);
        const std::string_view salvo_tags[] = {batch, key};
        body.clear();
        platform::write_instance_request(body, e.element, e.name, e.configuration, e.tags,
                                         salvo_tags);
    }

    // The coroutines below keep in their frames only what lives across a suspension; the
    // steps between two suspensions are plain functions. A frame over Asio's recycling limit
    // (1,020 bytes) would be allocated and freed by malloc for every entry.

    // Entry `index` starts on worker `w`: its record, its body.
    void begin(std::size_t index, worker& w) const {
        w.start = steady::now();
        w.record = blank(index);
        write_body(index, w.body);
    }

    // The answer to a POST of entry `index`. True when the entry is settled (created, refused,
    // never sent, or authentication rejected), false when the POST's outcome is unknown and
    // the platform must be asked whether the instance exists.
    bool settle_post(std::size_t index, result_record& record,
                     platform::result<platform::created_instance>&& created) {
        const entry& e = job.entries[index];
        if (created) {
            record.status = result_status::created;
            record.id = created->id;
            record.token = std::move(created->token);
            run_event ev;
            ev.kind = run_event_kind::entry_created;
            ev.entry = e.name;
            ev.id = created->id;
            ev.attempts = record.attempts;
            emit(ev);
            return true;
        }
        const platform::failure& f = created.error();
        record.error = error_of(f);
        if (is_auth_failure(f)) {
            if (!summary.auth_rejected) {  // said once, however many calls were in flight
                run_event ev = failure_event(run_event_kind::auth_rejected, *record.error);
                ev.entry = e.name;
                emit(ev);
            }
            summary.auth_rejected = true;
            stopping = true;
            return true;
        }
        if (!outcome_unknown(f)) {
            return true;  // refused (4xx) or never sent after the engine's own retries
        }
        run_event ev = failure_event(run_event_kind::outcome_unknown, *record.error);
        ev.entry = e.name;
        ev.attempts = record.attempts;
        emit(ev);
        return false;
    }

    // After a POST of unknown outcome (the `round`th): looks entry `index` up by its key tag.
    // True when it must be sent again (not found, rounds left, after a backoff); false when
    // the record is settled (found: created; or failed, with why).
    asio::awaitable<bool> reconcile(std::size_t index, result_record& record, int round) {
        const entry& e = job.entries[index];
        ++summary.reconcile_lookups;
        std::vector<std::string> tags{key_tag(hashes[index])};
        auto lookup =
            co_await api.list_instances(std::move(tags), 10, std::string(), call_options());
        if (!lookup) {
            record.error->message = "outcome unknown (" + record.error->message +
                                    ") and the lookup by key failed: " + lookup.error().message;
            co_return false;
        }
        if (!lookup->instances.empty()) {
            const auto& found =
                *std::min_element(lookup->instances.begin(), lookup->instances.end(),
                                  [](const auto& a, const auto& b) { return a.id < b.id; });
            record.status = result_status::created;
            record.id = found.id;
            record.token = found.token;
            record.error.reset();
            ++summary.reconciled;
            ++progress.reconciled;
            run_event ev;
            ev.kind = run_event_kind::reconciled;
            ev.entry = e.name;
            ev.id = found.id;
            ev.attempts = record.attempts;
            emit(ev);
            co_return false;
        }
        const bool again = round < options.max_rounds && !should_stop();
        run_event ev;
        ev.kind = run_event_kind::reconcile_not_found;
        ev.entry = e.name;
        ev.attempts = record.attempts;
        ev.count = again ? 1 : 0;
        emit(ev);
        if (!again) {
            co_return false;  // not there, and out of rounds: failed, with the last error
        }
        asio::steady_timer pause(co_await asio::this_coro::executor,
                                 policy::backoff_delay({}, round - 1, rng));
        co_await pause.async_wait(nothrow);
        co_return true;
    }

    // Entry `index`'s end: its latency, its failure said, its record kept.
    void end(std::size_t index, worker& w) {
        latency.record(
            std::chrono::duration_cast<std::chrono::microseconds>(steady::now() - w.start));
        if (w.record.status == result_status::failed && w.record.error) {
            run_event ev = failure_event(run_event_kind::entry_failed, *w.record.error);
            ev.entry = job.entries[index].name;
            ev.attempts = w.record.attempts;
            emit(ev);
        }
        finish(index, std::move(w.record));
    }

    // Creates one entry, reconciling before any repeat of a POST whose outcome is unknown.
    asio::awaitable<void> create(std::size_t index, worker& w) {
        begin(index, w);
        for (int round = 1;; ++round) {
            ++summary.create_calls;
            ++w.record.attempts;
            if (settle_post(index, w.record,
                            co_await api.async_create_instance(
                                w.body, job.entries[index].configuration, call_options()))) {
                break;
            }
            if (!co_await reconcile(index, w.record, round)) {
                break;
            }
        }
        end(index, w);
    }
};

runner::runner(platform::client& api, manifest m, run_options options)
    : state_(std::make_unique<state>(api, std::move(m), std::move(options))) {
    state_->records.resize(state_->job.entries.size());
    state_->hashes.reserve(state_->job.entries.size());
    for (const auto& e : state_->job.entries) {
        state_->hashes.push_back(entry_hash(e));
    }
    state_->batch = batch_tag(state_->job.batch);
    state_->progress.total = state_->job.entries.size();
}

runner::~runner() = default;

void runner::stop() noexcept {
    state_->stopping = true;
}

const run_progress& runner::progress() const noexcept {
    return state_->progress;
}

const manifest& runner::job() const noexcept {
    return state_->job;
}

std::vector<result_record> runner::records() const {
    return state_->collected();
}

asio::awaitable<run_summary> runner::run() {
    // The job's state is touched by one thread at a time: on a strand, unless the caller's
    // executor is the engine's and the engine was promised that one thread runs it
    // (single_threaded). Then everything is serialised already, and the engine's completions
    // resume the run at once instead of through the strand's queue.
    const auto caller = co_await asio::this_coro::executor;
    const http::client& engine = state_->api.engine();
    if (engine.options().single_threaded && caller == engine.get_executor()) {
        co_return co_await run_serialized();
    }
    auto strand = asio::make_strand(caller);
    co_return co_await asio::co_spawn(strand, run_serialized(), asio::use_awaitable);
}

asio::awaitable<run_summary> runner::run_serialized() {
    state& s = *state_;
    const auto ex = co_await asio::this_coro::executor;  // the run's: a strand, or the one thread's
    const auto started = steady::now();
    if (s.options.deadline) {
        s.deadline = started + *s.options.deadline;
    }
    s.summary.entries = s.job.entries.size();
    {
        run_event ev;
        ev.kind = run_event_kind::run_started;
        ev.count = s.summary.entries;
        s.emit(ev);
    }

    auto found = co_await s.sweep();
    s.progress.swept = true;
    if (!found) {
        s.summary.seconds = std::chrono::duration<double>(steady::now() - started).count();
        run_event ev;
        ev.kind = run_event_kind::run_finished;
        s.emit(ev);
        co_return s.summary;
    }
    plan p = make_plan(s.job.entries, s.hashes, *found);
    for (auto& adopted : p.existing) {
        result_record r = s.blank(adopted.entry);
        r.status = result_status::existing;
        r.id = adopted.instance.id;
        r.token = std::move(adopted.instance.token);
        s.finish(adopted.entry, std::move(r));
    }
    {
        run_event ev;
        ev.kind = run_event_kind::sweep_finished;
        ev.count = s.swept_instances;
        s.emit(ev);
    }

    if (!s.options.dry_run) {
        bool finished = false;
        asio::steady_timer checkpoint_timer(ex);
        join_counter checkpoint_join(ex);
        checkpoint_join.count = 1;
        asio::co_spawn(ex, s.checkpoints(checkpoint_timer, finished, checkpoint_join),
                       asio::detached);
        std::size_t next = 0;
        // More workers than calls in flight: a worker sleeping out a Retry-After or a backoff
        // holds no connection, and the others keep the pool busy meanwhile. The pool (sized
        // by the caller to the concurrency) bounds what is really in flight.
        const std::size_t workers = std::max<std::size_t>(
            1, std::min(s.options.concurrency * workers_per_call, p.to_create.size()));
        join_counter join(ex);
        join.count = p.to_create.empty() ? 0 : workers;
        for (std::size_t w = 0; w < join.count; ++w) {
            asio::co_spawn(
                ex,
                [&]() -> asio::awaitable<void> {
                    worker mine;
                    while (!s.should_stop() && next < p.to_create.size()) {
                        co_await s.create(p.to_create[next++].entry, mine);
                    }
                    join.done();
                },
                asio::detached);
        }
        co_await join.wait();
        finished = true;
        checkpoint_timer.cancel();
        co_await checkpoint_join.wait();
        for (std::size_t i = next; i < p.to_create.size(); ++i) {
            ++s.summary.not_started;
        }
        s.summary.interrupted = s.stopping && !s.summary.auth_rejected;
        const std::string why = s.summary.auth_rejected ? "authentication was rejected"
                                : s.deadline && steady::now() >= *s.deadline
                                    ? "the run's deadline passed"
                                    : "the run was interrupted";
        if (s.summary.not_started > 0 || s.summary.interrupted) {
            run_event ev;
            ev.kind = run_event_kind::run_stopped;
            ev.count = s.summary.not_started;
            ev.message = why;
            s.emit(ev);
        }
        // Entries never started are accounted for too: the results file covers the manifest.
        for (std::size_t i = 0; i < s.records.size(); ++i) {
            if (!s.records[i]) {
                result_record r = s.blank(i);
                r.error = result_error{std::nullopt, "not attempted: ", std::nullopt};
                r.error->message += why;
                s.finish(i, std::move(r));
            }
        }
        s.write_results(true);
    }
    s.summary.entry_p50_us = s.latency.quantile_us(0.5);
    s.summary.entry_p99_us = s.latency.quantile_us(0.99);
    s.summary.seconds = std::chrono::duration<double>(steady::now() - started).count();
    {
        run_event ev;
        ev.kind = run_event_kind::run_finished;
        s.emit(ev);
    }
    co_return s.summary;
}

namespace {

asio::awaitable<teardown_summary> teardown_on_strand(platform::client& api, std::string batch,
                                                     std::size_t concurrency,
                                                     run_event_sink on_event) {
    teardown_summary summary;
    auto tell = [&](run_event ev) {
        ev.teardown = &summary;
        emit(on_event, ev);
    };
    auto finished = [&] {
        run_event ev;
        ev.kind = run_event_kind::teardown_finished;
        tell(ev);
    };
    std::vector<std::string> tags{batch_tag(batch)};
    auto page = co_await api.list_all_instances(std::move(tags));
    if (!page) {
        summary.auth_rejected = is_auth_failure(page.error());
        summary.fatal = "cannot list the batch's instances: " + page.error().message;
        result_error error = error_of(page.error());
        if (!summary.auth_rejected) {
            error.message = summary.fatal;
        }
        tell(failure_event(
            summary.auth_rejected ? run_event_kind::auth_rejected : run_event_kind::sweep_failed,
            error));
        finished();
        co_return summary;
    }
    summary.found = page->instances.size();
    {
        run_event ev;
        ev.kind = run_event_kind::teardown_listed;
        ev.count = summary.found;
        tell(ev);
    }
    const auto strand = co_await asio::this_coro::executor;
    std::size_t next = 0;
    join_counter join(strand);
    join.count = std::min(std::max<std::size_t>(1, concurrency), page->instances.size());
    for (std::size_t w = 0; w < join.count; ++w) {
        asio::co_spawn(
            strand,
            [&]() -> asio::awaitable<void> {
                while (next < page->instances.size() && !summary.auth_rejected) {
                    const auto& inst = page->instances[next++];
                    auto deleted = co_await api.delete_instance(inst.id);
                    if (deleted || (deleted.error().answered() && deleted.error().status == 404)) {
                        ++summary.deleted;
                        continue;
                    }
                    ++summary.failed;
                    const auto e = error_of(deleted.error());
                    run_event ev = failure_event(run_event_kind::delete_failed, e);
                    ev.entry = inst.name;
                    ev.id = inst.id;
                    tell(ev);
                    if (is_auth_failure(deleted.error()) && !summary.auth_rejected) {
                        ev.kind = run_event_kind::auth_rejected;
                        tell(ev);
                    }
                    summary.auth_rejected =
                        summary.auth_rejected || is_auth_failure(deleted.error());
                    if (summary.first_failures.size() < max_failure_notes) {
                        summary.first_failures.push_back({inst.name, e.status.value_or(0),
                                                          e.message, e.request_id.value_or("")});
                    }
                }
                join.done();
            },
            asio::detached);
    }
    co_await join.wait();
    finished();
    co_return summary;
}

}  // namespace

asio::awaitable<teardown_summary> teardown(platform::client& api, std::string batch,
                                           std::size_t concurrency, run_event_sink on_event) {
    auto strand = asio::make_strand(co_await asio::this_coro::executor);
    co_return co_await asio::co_spawn(
        strand, teardown_on_strand(api, std::move(batch), concurrency, std::move(on_event)),
        asio::use_awaitable);
}

std::string_view to_string(run_event_kind kind) noexcept {
    switch (kind) {
        case run_event_kind::run_started:
            return "run_started";
        case run_event_kind::sweep_finished:
            return "sweep_finished";
        case run_event_kind::sweep_failed:
            return "sweep_failed";
        case run_event_kind::entry_created:
            return "entry_created";
        case run_event_kind::outcome_unknown:
            return "outcome_unknown";
        case run_event_kind::reconciled:
            return "reconciled";
        case run_event_kind::reconcile_not_found:
            return "reconcile_not_found";
        case run_event_kind::entry_failed:
            return "entry_failed";
        case run_event_kind::auth_rejected:
            return "auth_rejected";
        case run_event_kind::run_stopped:
            return "run_stopped";
        case run_event_kind::checkpoint_written:
            return "checkpoint_written";
        case run_event_kind::results_written:
            return "results_written";
        case run_event_kind::results_failed:
            return "results_failed";
        case run_event_kind::run_finished:
            return "run_finished";
        case run_event_kind::teardown_listed:
            return "teardown_listed";
        case run_event_kind::delete_failed:
            return "delete_failed";
        case run_event_kind::teardown_finished:
            return "teardown_finished";
    }
    return "unknown";
}

}  // namespace salvo::provision
