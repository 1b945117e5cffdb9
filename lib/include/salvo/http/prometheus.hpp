// The engine's metrics in the Prometheus text exposition format (version 0.0.4), for a service's
// `/metrics` endpoint or a file a node exporter picks up.
//
//   std::string text = salvo::http::to_prometheus(client.metrics());
//   // salvo_http_requests_total 1200
//   // salvo_http_errors_total{error="connect_failed"} 3
//   // salvo_http_retries_total{cause="throttled"} 17
//   // salvo_http_request_duration_seconds{quantile="0.99"} 0.418
#pragma once

#include <salvo/http/metrics.hpp>

#include <string>
#include <string_view>

namespace salvo::http {

// Every counter of the snapshot, zeros included (so rates start at the first scrape):
//   <prefix>_requests_total, _failures_total, _connections_opened_total,
//   _connections_reused_total, _tls_handshakes_total{kind="full"|"resumed"},
//   _stale_retries_total, _errors_total{error="<salvo::http::error name>"},
//   _retries_total{cause="<policy::retry_cause name>"}, _retries_given_up_total,
//   _retry_wait_seconds_total, _rate_wait_seconds_total,
//   and the summary _request_duration_seconds{quantile="0.5"|"0.9"|"0.99"|"1"} with _count.
// Characters a metric name may not hold are replaced by '_'; an empty prefix gives bare names.
std::string to_prometheus(const metrics_snapshot& metrics, std::string_view prefix = "salvo_http");

// The label value used for an error: the enumerator's name, e.g. "connect_failed".
std::string_view metric_name(error e) noexcept;

}  // namespace salvo::http
