// The salvo command line, parsed into plain values (no I/O here).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace salvo::cli {

enum class progress_mode { automatic, bar, log, none };
enum class log_format { text, json };
enum class log_level { debug, info, warn, error };  // in increasing severity

std::string_view to_string(log_level level) noexcept;
std::optional<log_level> parse_log_level(std::string_view text) noexcept;
std::optional<log_format> parse_log_format(std::string_view text) noexcept;

struct arguments {
    std::string command;  // provision, validate, teardown, demo; empty with --help alone
    bool help = false;
    std::string manifest;
    std::string base_url;  // empty: the platform's default
    std::string out;       // empty: <manifest stem>.results.jsonl beside the manifest
    std::size_t concurrency = 16;
    double rate = 0;  // requests/s; 0: no limit
    int max_attempts = 5;
    double attempt_timeout = 30;     // seconds
    std::optional<double> deadline;  // seconds, for the whole run
    std::string ca_file;
    bool insecure = false;
    std::string shard;  // "K/N"
    bool dry_run = false;
    progress_mode progress = progress_mode::automatic;
    cli::log_format log_format = cli::log_format::text;
    cli::log_level log_level = cli::log_level::info;
    std::string metrics_file;  // empty: none
    std::string proxy;         // --proxy URL; empty: HTTPS_PROXY / HTTP_PROXY from the environment
    bool yes = false;          // teardown: no confirmation prompt
    std::size_t instances = 2000;  // demo
};

struct parse_result {
    std::optional<arguments> args;
    std::string error;  // a usage error, naming the flag
};

// argv without the program name.
parse_result parse(std::span<const std::string_view> argv);

// Help text: the overview, or one command's.
std::string usage(std::string_view command = {});

}  // namespace salvo::cli
