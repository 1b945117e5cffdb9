// The CLI's log on stderr: one line per notable event, as text or JSON, filtered by level,
// scrubbed of the run's secrets, and printed above the progress bar instead of through it.
//
//   text: salvo: warn: entry_failed entry="tenant 7" status=502 request_id=8f3a... message="..."
//   json: {"ts":"2026-12-04T18:00:00.123Z","level":"warn","event":"entry_failed","entry":...}
#pragma once

#include "command_line.hpp"

#include <salvo/platform/redactor.hpp>
#include <salvo/provision/runner.hpp>

#include <boost/json/object.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

namespace salvo::cli {

// A line's own fields, in order, after ts, level and event. Strings, integers, doubles,
// booleans and null; null is left out of text lines.
using log_fields = boost::json::object;

class logger {
  public:
    using clock = std::function<std::chrono::system_clock::time_point()>;

    logger(std::ostream& out, log_format format, log_level threshold,
           clock now = std::chrono::system_clock::now);
    logger(const logger&) = delete;
    logger& operator=(const logger&) = delete;

    log_format format() const noexcept { return format_; }
    bool enabled(log_level level) const noexcept { return level >= threshold_; }

    // The run's secrets: every string field of every later line is scrubbed with them. The
    // redactor must outlive its use here (set nullptr before it goes).
    void redact_with(const platform::redactor* secrets);

    // One line, when `level` passes the threshold.
    void log(log_level level, std::string_view event, log_fields fields = {});

    // A line as it is, whatever the level (text-mode diagnostics such as manifest problems).
    void write_line(std::string_view line);

    // The progress bar: a line kept at the bottom of a terminal. Log lines clear it, print,
    // and draw it again.
    void show_status(std::string_view line);
    // Draws the bar's last state and ends its line; log lines after it are plain.
    void end_status(std::string_view line);

    // The line for an event (no '\n'), unredacted: what log() prints. Public for tests.
    std::string format_line(log_level level, std::string_view event, const log_fields& fields,
                            std::chrono::system_clock::time_point ts) const;

  private:
    void put(std::string_view line);  // under mutex_

    std::mutex mutex_;
    std::ostream& out_;
    log_format format_;
    log_level threshold_;
    clock now_;
    const platform::redactor* secrets_ = nullptr;
    std::string status_;  // the bar as drawn last; empty: none on screen
};

// "2026-12-04T18:00:00.123Z"
std::string utc_timestamp(std::chrono::system_clock::time_point t);

// `text` with every invalid UTF-8 sequence replaced by U+FFFD (JSON and terminals need it).
std::string valid_utf8(std::string_view text);

// A URL fit for a log: no user info, query or fragment. Not a URL: "(invalid URL)".
std::string url_for_log(std::string_view url);

// What the CLI knows about a run that its runner's events do not carry.
struct run_context {
    std::string batch;
    std::string shard;     // "K/N"; empty: the whole manifest
    std::string base_url;  // as url_for_log gives it
    std::string results_path;
    std::size_t concurrency = 0;
    bool dry_run = false;
    std::string proxy;               // the proxy for the base URL's scheme, as url_for_log gives it
    std::string no_proxy;            // hosts reached directly (not a secret)
    std::optional<int> exit_status;  // for run_finished, when known
};

// The log line of a runner (or teardown) event: its level and fields.
void log_event(logger& log, const provision::run_event& event, const run_context& context);

// The level each event kind is logged at.
log_level level_of(provision::run_event_kind kind) noexcept;

}  // namespace salvo::cli
