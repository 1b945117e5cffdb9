#include <boost/test/unit_test.hpp>

#include "printing.hpp"
#include "salvo/policy/classification.hpp"

using namespace salvo::policy;

namespace {

struct row {
    const char* name;
    attempt_outcome outcome;
    verdict idempotent;      // expected verdict for GET, PUT, DELETE...
    verdict not_idempotent;  // expected verdict for POST, PATCH
    retry_cause cause;
    bool throttling;
    bool healthy;
};

const row table[] = {
    // Nothing written: safe to repeat whatever the method.
    {"not sent", attempt_outcome::not_sent(), verdict::retryable, verdict::retryable,
     retry_cause::not_sent, false, false},
    // Refused before processing.
    {"429", attempt_outcome::http(429), verdict::retryable, verdict::retryable,
     retry_cause::throttled, true, false},
    {"408", attempt_outcome::http(408), verdict::retryable, verdict::retryable,
     retry_cause::request_timeout, false, false},
    // Maybe processed.
    {"500", attempt_outcome::http(500), verdict::retryable, verdict::outcome_unknown,
     retry_cause::server_error, false, false},
    {"502", attempt_outcome::http(502), verdict::retryable, verdict::outcome_unknown,
     retry_cause::server_error, false, false},
    {"503", attempt_outcome::http(503), verdict::retryable, verdict::outcome_unknown,
     retry_cause::server_error, true, false},
    {"504", attempt_outcome::http(504), verdict::retryable, verdict::outcome_unknown,
     retry_cause::server_error, false, false},
    {"lost after send", attempt_outcome::lost_after_send(), verdict::retryable,
     verdict::outcome_unknown, retry_cause::lost_after_send, false, false},
    {"timeout after send", attempt_outcome::timeout_after_send(), verdict::retryable,
     verdict::outcome_unknown, retry_cause::timeout, false, false},
    // Never retried.
    {"local", attempt_outcome::local(), verdict::local_failure, verdict::local_failure,
     retry_cause::none, false, false},
    // Final responses.
    {"200", attempt_outcome::http(200), verdict::done, verdict::done, retry_cause::none, false,
     true},
    {"201", attempt_outcome::http(201), verdict::done, verdict::done, retry_cause::none, false,
     true},
    {"204", attempt_outcome::http(204), verdict::done, verdict::done, retry_cause::none, false,
     true},
    {"301", attempt_outcome::http(301), verdict::done, verdict::done, retry_cause::none, false,
     true},
    {"304", attempt_outcome::http(304), verdict::done, verdict::done, retry_cause::none, false,
     true},
    {"400", attempt_outcome::http(400), verdict::done, verdict::done, retry_cause::none, false,
     true},
    {"401", attempt_outcome::http(401), verdict::done, verdict::done, retry_cause::none, false,
     true},
    {"403", attempt_outcome::http(403), verdict::done, verdict::done, retry_cause::none, false,
     true},
    {"404", attempt_outcome::http(404), verdict::done, verdict::done, retry_cause::none, false,
     true},
    {"405", attempt_outcome::http(405), verdict::done, verdict::done, retry_cause::none, false,
     true},
    {"409", attempt_outcome::http(409), verdict::done, verdict::done, retry_cause::none, false,
     true},
    {"415", attempt_outcome::http(415), verdict::done, verdict::done, retry_cause::none, false,
     true},
    {"422", attempt_outcome::http(422), verdict::done, verdict::done, retry_cause::none, false,
     true},
    // Other 5xx: a retry would get the same answer.
    {"501", attempt_outcome::http(501), verdict::done, verdict::done, retry_cause::none, false,
     false},
    {"505", attempt_outcome::http(505), verdict::done, verdict::done, retry_cause::none, false,
     false},
    {"507", attempt_outcome::http(507), verdict::done, verdict::done, retry_cause::none, false,
     false},
    // Nonsense status codes: final, never retried.
    {"0", attempt_outcome::http(0), verdict::done, verdict::done, retry_cause::none, false, false},
    {"-1", attempt_outcome::http(-1), verdict::done, verdict::done, retry_cause::none, false,
     false},
    {"999", attempt_outcome::http(999), verdict::done, verdict::done, retry_cause::none, false,
     false},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(outcome_classification)

BOOST_AUTO_TEST_CASE(the_table) {
    for (const row& r : table) {
        for (const bool idempotent : {true, false}) {
            BOOST_TEST_CONTEXT(r.name << (idempotent ? ", idempotent" : ", not idempotent")) {
                const auto result = classify(r.outcome, idempotent);
                BOOST_TEST(result.what == (idempotent ? r.idempotent : r.not_idempotent));
                BOOST_TEST(result.cause == r.cause);
                BOOST_TEST(result.throttling == r.throttling);
                BOOST_TEST(result.healthy_response == r.healthy);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(retry_after_does_not_change_the_class) {
    using namespace std::chrono_literals;
    BOOST_TEST(classify(attempt_outcome::http(503, 5s), false).what == verdict::outcome_unknown);
    BOOST_TEST(classify(attempt_outcome::http(429, 5s), false).what == verdict::retryable);
    BOOST_TEST(classify(attempt_outcome::http(200, 5s), true).what == verdict::done);
}

BOOST_AUTO_TEST_CASE(idempotent_methods) {
    for (const char* method : {"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"}) {
        BOOST_TEST(is_idempotent_method(method), method);
    }
    for (const char* method : {"POST", "PATCH", "CONNECT", "get", "", "GETX"}) {
        BOOST_TEST(!is_idempotent_method(method), method);
    }
}

BOOST_AUTO_TEST_CASE(names) {
    BOOST_TEST(to_string(retry_cause::throttled) == "throttled");
    BOOST_TEST(to_string(retry_cause::lost_after_send) == "lost_after_send");
    BOOST_TEST(to_string(verdict::outcome_unknown) == "outcome_unknown");
    BOOST_TEST(to_string(outcome_kind::timeout_after_send) == "timeout_after_send");
    BOOST_TEST(to_string(static_cast<retry_cause>(99)) == "unknown");
}

BOOST_AUTO_TEST_SUITE_END()
