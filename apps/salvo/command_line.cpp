#include "command_line.hpp"

#include <charconv>
#include <cmath>

namespace salvo::cli {
namespace {

bool is_command(std::string_view s) {
    return s == "provision" || s == "validate" || s == "teardown" || s == "demo";
}

template <class T>
bool to_number(std::string_view text, T& out) {
    if constexpr (std::is_floating_point_v<T>) {
        try {
            std::size_t used = 0;
            const double v = std::stod(std::string(text), &used);
            if (used != text.size() || !std::isfinite(v)) {
                return false;
            }
            out = static_cast<T>(v);
            return true;
        } catch (const std::exception&) {
            return false;
        }
    } else {
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
        return ec == std::errc() && end == text.data() + text.size();
    }
}

}  // namespace

std::string_view to_string(log_level level) noexcept {
    switch (level) {
        case log_level::debug:
            return "debug";
        case log_level::info:
            return "info";
        case log_level::warn:
            return "warn";
        case log_level::error:
            return "error";
    }
    return "info";
}

std::optional<log_level> parse_log_level(std::string_view text) noexcept {
    for (auto level : {log_level::debug, log_level::info, log_level::warn, log_level::error}) {
        if (text == to_string(level)) {
            return level;
        }
    }
    return std::nullopt;
}

std::optional<log_format> parse_log_format(std::string_view text) noexcept {
    if (text == "text") {
        return log_format::text;
    }
    if (text == "json") {
        return log_format::json;
    }
    return std::nullopt;
}

parse_result parse(std::span<const std::string_view> argv) {
    parse_result result;
    arguments a;
    auto fail = [&](std::string message) {
        result.error = std::move(message);
        return result;
    };
    for (std::size_t i = 0; i < argv.size(); ++i) {
        std::string_view arg = argv[i];
        std::string_view value;
        bool has_inline_value = false;
        if (arg.starts_with("--")) {
            if (const auto eq = arg.find('='); eq != std::string_view::npos) {
                value = arg.substr(eq + 1);
                arg = arg.substr(0, eq);
                has_inline_value = true;
            }
        }
        auto take = [&](std::string_view& v) {
            if (has_inline_value) {
                v = value;
                return true;
            }
            if (i + 1 >= argv.size()) {
                return false;
            }
            v = argv[++i];
            return true;
        };
        auto number = [&]<class T>(T& out, const char* what) -> bool {
            std::string_view v;
            if (!take(v)) {
                result.error = std::string(arg) + ": needs " + what;
                return false;
            }
            if (!to_number(v, out)) {
                result.error = std::string(arg) + ": '" + std::string(v) + "' is not " + what;
                return false;
            }
            return true;
        };
        auto text = [&](std::string& out) -> bool {
            std::string_view v;
            if (!take(v) || v.empty()) {
                result.error = std::string(arg) + ": needs a value";
                return false;
            }
            out = std::string(v);
            return true;
        };

        if (arg == "-h" || arg == "--help") {
            a.help = true;
        } else if (!arg.starts_with("-") && a.command.empty()) {
            if (!is_command(arg)) {
                return fail("unknown command '" + std::string(arg) +
                            "' (provision, validate, teardown, demo)");
            }
            a.command = std::string(arg);
        } else if (!arg.starts_with("-") && a.manifest.empty() && a.command != "demo") {
            a.manifest = std::string(arg);
        } else if (arg == "--base-url") {
            if (!text(a.base_url))
                return result;
        } else if (arg == "--out") {
            if (!text(a.out))
                return result;
        } else if (arg == "--concurrency") {
            if (!number(a.concurrency, "a positive integer"))
                return result;
            if (a.concurrency == 0 || a.concurrency > 4096) {
                return fail("--concurrency: must be between 1 and 4096");
            }
        } else if (arg == "--rate") {
            std::string_view v;
            if (!take(v))
                return fail("--rate: needs requests per second, e.g. 50/s");
            if (v.ends_with("/s"))
                v.remove_suffix(2);
            if (!to_number(v, a.rate) || a.rate <= 0) {
                return fail("--rate: '" + std::string(v) + "' is not a positive rate (e.g. 50/s)");
            }
        } else if (arg == "--max-attempts") {
            if (!number(a.max_attempts, "a positive integer"))
                return result;
            if (a.max_attempts < 1 || a.max_attempts > 100) {
                return fail("--max-attempts: must be between 1 and 100");
            }
        } else if (arg == "--attempt-timeout") {
            if (!number(a.attempt_timeout, "a number of seconds"))
                return result;
            if (a.attempt_timeout <= 0)
                return fail("--attempt-timeout: must be positive");
        } else if (arg == "--deadline") {
            double d = 0;
            if (!number(d, "a number of seconds"))
                return result;
            if (d <= 0)
                return fail("--deadline: must be positive");
            a.deadline = d;
        } else if (arg == "--ca-file") {
            if (!text(a.ca_file))
                return result;
        } else if (arg == "--insecure") {
            a.insecure = true;
        } else if (arg == "--shard") {
            if (!text(a.shard))
                return result;
        } else if (arg == "--dry-run") {
            a.dry_run = true;
        } else if (arg == "--yes" || arg == "-y") {
            a.yes = true;
        } else if (arg == "--instances") {
            if (!number(a.instances, "a positive integer"))
                return result;
            if (a.instances == 0 || a.instances > 1'000'000) {
                return fail("--instances: must be between 1 and 1000000");
            }
        } else if (arg == "--progress") {
            std::string v;
            if (!text(v))
                return result;
            if (v == "auto")
                a.progress = progress_mode::automatic;
            else if (v == "bar")
                a.progress = progress_mode::bar;
            else if (v == "log")
                a.progress = progress_mode::log;
            else if (v == "none")
                a.progress = progress_mode::none;
            else
                return fail("--progress: '" + v + "' is not one of auto, bar, log, none");
        } else if (arg == "--log-format") {
            std::string v;
            if (!text(v))
                return result;
            const auto format = parse_log_format(v);
            if (!format)
                return fail("--log-format: '" + v + "' is not one of text, json");
            a.log_format = *format;
        } else if (arg == "--log-level") {
            std::string v;
            if (!text(v))
                return result;
            const auto level = parse_log_level(v);
            if (!level)
                return fail("--log-level: '" + v + "' is not one of debug, info, warn, error");
            a.log_level = *level;
        } else if (arg == "--metrics-file") {
            if (!text(a.metrics_file))
                return result;
        } else if (arg == "--proxy") {
            if (!text(a.proxy))
                return result;
        } else if (arg.starts_with("-")) {
            return fail("unknown option '" + std::string(arg) + "'");
        } else {
            return fail("unexpected argument '" + std::string(arg) + "'");
        }
    }
    if (!a.help) {
        if (a.command.empty()) {
            return fail("no command given (provision, validate, teardown, demo)");
        }
        if (a.command != "demo" && a.manifest.empty()) {
            return fail(a.command + ": the manifest file is missing");
        }
    }
    result.args = std::move(a);
    return result;
}

std::string usage(std::string_view command) {
    if (command == "provision") {
        return R"(usage: salvo provision MANIFEST [options]

Creates every instance of MANIFEST (this shard's) exactly once: instances an earlier run
created are found by their tags and adopted; a create whose outcome is unknown is looked up
before it is ever sent again. Safe to kill and run again.

options:
  --base-url URL         platform API (default https://api.cloud-elements.com/elements/api-v2)
  --out FILE             results, one JSON object per entry, mode 0600
                         (default: <manifest stem>.results.jsonl beside the manifest)
  --concurrency N        requests in flight at most (default 16; lowered on 429/503)
  --rate R/s             requests per second at most (default: no limit)
  --max-attempts N       attempts per request, the first included (default 5)
  --attempt-timeout S    seconds per attempt (default 30)
  --deadline S           seconds for the whole run; entries not started then are failed
  --ca-file PEM          trust these CAs instead of the system store
  --insecure             do not verify the server's certificate (tests only)
  --proxy URL            HTTP proxy for the platform calls, http://[user:password@]host[:port]
                         (CONNECT tunnels); default: $HTTPS_PROXY (https) or $HTTP_PROXY (http),
                         hosts in $NO_PROXY reached directly either way
  --shard K/N            handle shard K (0-based) of N; N processes cover the manifest once
  --dry-run              validate and look up what exists; create nothing
  --progress MODE        auto (bar on a terminal, else a line every 5 s), bar, log, none
  --log-format FORMAT    text (default) or json: one object per line on stderr with ts, level,
                         event and the event's fields (entry, status, request_id, message...)
  --log-level LEVEL      debug, info (default), warn or error; debug adds every entry created
                         and every unknown outcome; progress lines (--progress log) are info
  --metrics-file FILE    at the end (also when interrupted or failed) write the engine's
                         counters and the run's (salvo_http_*, salvo_provision_*) in the
                         Prometheus text format, replacing FILE atomically

Logs go to stderr and never hold a secret: user/org secrets, configuration values and instance
tokens are replaced by ***. The summary goes to stdout.

environment: SALVO_USER_SECRET and SALVO_ORG_SECRET (never flags, never logged);
HTTPS_PROXY, HTTP_PROXY and NO_PROXY (lowercase first, as curl reads them). Proxy credentials
are never logged, but a flag shows in `ps`: prefer HTTPS_PROXY for them.
exit status: 0 all created or existing, 1 some failed, 2 usage or manifest error (nothing
sent), 3 authentication rejected, 4 interrupted

examples:
  salvo provision tenants.json
  salvo provision tenants.ndjson --concurrency 32 --rate 50/s --out tenants.results.jsonl
  salvo provision tenants.json --shard $JOB_COMPLETION_INDEX/8
  HTTPS_PROXY=http://proxy.corp:3128 NO_PROXY=.internal salvo provision tenants.json
  salvo provision tenants.json --progress none --log-format json --log-level warn \
      --metrics-file /var/lib/node_exporter/textfile/salvo.prom
)";
    }
    if (command == "validate") {
        return R"(usage: salvo validate MANIFEST

Checks MANIFEST (JSON or NDJSON, ${VAR} expanded from the environment) and reports every
problem with its file, entry and field. Sends nothing. Exit status 0 when valid, else 2.

example:
  salvo validate tenants.json
)";
    }
    if (command == "teardown") {
        return R"(usage: salvo teardown MANIFEST [--yes] [--base-url URL] [--ca-file PEM] [--insecure]
                      [--concurrency N] [--proxy URL] [--log-format text|json]
                      [--log-level LEVEL] [--metrics-file FILE]

Deletes every instance of the manifest's batch (found by its salvo-batch tag), concurrently;
instances already gone count as deleted. Asks for confirmation unless --yes. The log flags and
--metrics-file work as for provision (salvo_http_* and salvo_teardown_* families), and so do
--proxy and HTTPS_PROXY / HTTP_PROXY / NO_PROXY.

example:
  salvo teardown tenants.json --yes --log-format json
)";
    }
    if (command == "demo") {
        return R"(usage: salvo demo [--instances N] [--progress MODE] [--log-format text|json]
                  [--log-level LEVEL] [--metrics-file FILE]

Starts the embedded mock platform over TLS with light fault injection, provisions N sample
instances (default 2000) with the live progress bar, verifies that each exists exactly once,
prints the summary and tears the batch down. Needs no secrets and no network. The log shows
the faults being reconciled; --metrics-file writes the provisioning run's metrics. The proxy
variables (HTTPS_PROXY...) are not read: the mock is on loopback.

example:
  salvo demo --instances 500 --log-level warn --metrics-file demo.prom
)";
    }
    return R"(usage: salvo COMMAND [options]     (salvo COMMAND --help for more)

commands:
  provision MANIFEST   create every instance of the manifest, exactly once
  validate MANIFEST    check a manifest; send nothing
  teardown MANIFEST    delete every instance of the manifest's batch
  demo                 provision 2,000 instances against the embedded mock platform
)";
}

}  // namespace salvo::cli
