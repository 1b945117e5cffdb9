// --metrics-file: the engine's metrics and the run's counts in the Prometheus text format, for
// a node exporter's textfile collector or a push to a Pushgateway.
#pragma once

#include <salvo/http/metrics.hpp>
#include <salvo/provision/runner.hpp>

#include <filesystem>
#include <string>
#include <string_view>

namespace salvo::cli {

// salvo_http_* (http::to_prometheus) followed by salvo_provision_*: entries by outcome,
// entries not started, create calls, reconcile lookups, reconciled, run seconds, exit status.
std::string provision_metrics(const http::metrics_snapshot& engine,
                              const provision::run_summary& run, int exit_status);

// salvo_http_* followed by salvo_teardown_*: instances found, deleted, failed; exit status.
std::string teardown_metrics(const http::metrics_snapshot& engine,
                             const provision::teardown_summary& run, int exit_status);

// Replaces `path` atomically: "<path>.tmp" (mode 0644 less the umask) written, fsynced and
// renamed over it. Throws std::system_error naming `path`; leaves no temporary file behind.
void write_metrics_file(const std::filesystem::path& path, std::string_view text);

// Why `path` cannot be written at the end of the run ("" when it looks writable): its directory
// is missing or not a directory. Checked before anything is sent.
std::string metrics_path_problem(const std::filesystem::path& path);

}  // namespace salvo::cli
