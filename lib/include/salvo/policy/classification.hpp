#pragma once
// What an attempt's outcome means for retrying it, before any budget, deadline or count is
// considered. The table (issue #3):
//   nothing written (resolve, connect, TLS failure)        -> retry, any method
//   429, 408 (refused before processing)                    -> retry, any method
//   500, 502, 503, 504; lost or timed out after the write   -> retry if idempotent,
//                                                              else outcome unknown
//   local (cancelled, invalid request)                      -> local_failure, never retried
//   any other status (2xx, 3xx, other 4xx and 5xx)          -> done

#include <chrono>
#include <optional>
#include <string_view>

namespace salvo::policy {

// What happened to one attempt.
enum class outcome_kind {
    not_sent,            // failed before any byte of the request was written
    response,            // a complete response arrived (see status)
    lost_after_send,     // the connection failed after (part of) the request was written
    timeout_after_send,  // the attempt timed out after (part of) the request was written
    local,               // cancelled by the caller, or the request itself is invalid
};

struct attempt_outcome {
    outcome_kind kind = outcome_kind::local;
    int status = 0;                                   // for kind == response
    std::optional<std::chrono::seconds> retry_after;  // parsed Retry-After, for kind == response

    static attempt_outcome not_sent() noexcept { return {outcome_kind::not_sent, 0, {}}; }
    static attempt_outcome http(int code, std::optional<std::chrono::seconds> after = {}) noexcept {
        return {outcome_kind::response, code, after};
    }
    static attempt_outcome lost_after_send() noexcept {
        return {outcome_kind::lost_after_send, 0, {}};
    }
    static attempt_outcome timeout_after_send() noexcept {
        return {outcome_kind::timeout_after_send, 0, {}};
    }
    static attempt_outcome local() noexcept { return {outcome_kind::local, 0, {}}; }
};

// Why an attempt is worth retrying; the label metrics count retries by.
enum class retry_cause {
    none,             // not a retryable failure
    not_sent,         // nothing was written
    throttled,        // 429
    request_timeout,  // 408
    server_error,     // 500, 502, 503, 504
    lost_after_send,  // connection lost after the write
    timeout,          // attempt timed out after the write
};

enum class verdict {
    done,             // final: a response to hand back as it is
    retryable,        // safe to repeat (subject to attempts, deadline and budget)
    outcome_unknown,  // may have been applied; the caller must reconcile before repeating
    local_failure,    // cancelled or invalid: never retried
};

struct classification {
    verdict what = verdict::done;
    retry_cause cause = retry_cause::none;
    // 429 or 503: the server asks for less load (feeds concurrency_limit::on_throttled) and
    // its Retry-After, if any, replaces the backoff.
    bool throttling = false;
    // A response below 500 that is not a throttle (2xx, 3xx, most 4xx): the server is healthy,
    // so the retry budget is refilled (retry_budget::on_success) and the adaptive concurrency
    // may grow (concurrency_limit::on_success).
    bool healthy_response = false;
};

classification classify(const attempt_outcome& outcome, bool idempotent) noexcept;

// Idempotent by RFC 9110 §9.2.2 (GET, HEAD, OPTIONS, TRACE, PUT, DELETE); case-sensitive.
bool is_idempotent_method(std::string_view method) noexcept;

std::string_view to_string(outcome_kind value) noexcept;
std::string_view to_string(retry_cause value) noexcept;
std::string_view to_string(verdict value) noexcept;

}  // namespace salvo::policy
