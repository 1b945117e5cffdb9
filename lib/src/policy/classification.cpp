#include "salvo/policy/classification.hpp"

namespace salvo::policy {

namespace {

classification retryable(retry_cause cause) noexcept {
    return {verdict::retryable, cause, false, false};
}

// Retried only when repeating it is harmless; otherwise the caller must find out.
classification if_idempotent(retry_cause cause, bool idempotent) noexcept {
    return {idempotent ? verdict::retryable : verdict::outcome_unknown, cause, false, false};
}

classification classify_status(int status, bool idempotent) noexcept {
    switch (status) {
        case 429:
            return {verdict::retryable, retry_cause::throttled, true, false};
        case 408:
            return retryable(retry_cause::request_timeout);
        case 503: {
            auto result = if_idempotent(retry_cause::server_error, idempotent);
            result.throttling = true;
            return result;
        }
        case 500:
        case 502:
        case 504:
            return if_idempotent(retry_cause::server_error, idempotent);
        default:
            return {verdict::done, retry_cause::none, false, status > 0 && status < 500};
    }
}

}  // namespace

classification classify(const attempt_outcome& outcome, bool idempotent) noexcept {
    switch (outcome.kind) {
        case outcome_kind::not_sent:
            return retryable(retry_cause::not_sent);
        case outcome_kind::response:
            return classify_status(outcome.status, idempotent);
        case outcome_kind::lost_after_send:
            return if_idempotent(retry_cause::lost_after_send, idempotent);
        case outcome_kind::timeout_after_send:
            return if_idempotent(retry_cause::timeout, idempotent);
        case outcome_kind::local:
            break;
    }
    return {verdict::local_failure, retry_cause::none, false, false};
}

bool is_idempotent_method(std::string_view method) noexcept {
    return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "TRACE" ||
           method == "PUT" || method == "DELETE";
}

std::string_view to_string(outcome_kind value) noexcept {
    switch (value) {
        case outcome_kind::not_sent:
            return "not_sent";
        case outcome_kind::response:
            return "response";
        case outcome_kind::lost_after_send:
            return "lost_after_send";
        case outcome_kind::timeout_after_send:
            return "timeout_after_send";
        case outcome_kind::local:
            return "local";
    }
    return "unknown";
}

std::string_view to_string(retry_cause value) noexcept {
    switch (value) {
        case retry_cause::none:
            return "none";
        case retry_cause::not_sent:
            return "not_sent";
        case retry_cause::throttled:
            return "throttled";
        case retry_cause::request_timeout:
            return "request_timeout";
        case retry_cause::server_error:
            return "server_error";
        case retry_cause::lost_after_send:
            return "lost_after_send";
        case retry_cause::timeout:
            return "timeout";
    }
    return "unknown";
}

std::string_view to_string(verdict value) noexcept {
    switch (value) {
        case verdict::done:
            return "done";
        case verdict::retryable:
            return "retryable";
        case verdict::outcome_unknown:
            return "outcome_unknown";
        case verdict::local_failure:
            return "local_failure";
    }
    return "unknown";
}

}  // namespace salvo::policy
