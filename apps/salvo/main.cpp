// salvo: bulk-provisions Open Connectors instances exactly once (see `salvo --help`).
#include "command_line.hpp"
#include "log.hpp"
#include "metrics_file.hpp"

#include <salvo/http/client.hpp>
#include <salvo/mock/server.hpp>
#include <salvo/platform/client.hpp>
#include <salvo/policy/classification.hpp>
#include <salvo/provision/keys.hpp>
#include <salvo/provision/manifest.hpp>
#include <salvo/provision/plan.hpp>
#include <salvo/provision/runner.hpp>
#include <salvo/tls/certificate.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <unordered_set>
#include <vector>

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace salvo;

namespace {

enum exit_status { ok = 0, some_failed = 1, usage_error = 2, auth_rejected = 3, interrupted = 4 };

// Manifest problems: compiler-style lines in text, one `manifest_problem` event each in JSON.
std::optional<provision::manifest> load(const std::string& path, cli::logger& log) {
    auto loaded = provision::load_manifest(path);
    if (!loaded.ok()) {
        const std::string summary = std::to_string(loaded.problems.size()) + " problem(s) in " +
                                    path + "; nothing was sent";
        if (log.format() == cli::log_format::text) {
            for (const auto& p : loaded.problems) {
                log.write_line(provision::to_string(p));
            }
            log.write_line("salvo: " + summary);
        } else {
            for (const auto& p : loaded.problems) {
                log.log(cli::log_level::error, "manifest_problem",
                        {{"message", provision::to_string(p)}});
            }
            log.log(cli::log_level::error, "manifest_invalid",
                    {{"path", path}, {"problems", loaded.problems.size()}, {"message", summary}});
        }
        return std::nullopt;
    }
    return std::move(loaded.value);
}

void usage_problem(cli::logger& log, std::string message) {
    log.log(cli::log_level::error, "usage_error", {{"message", std::move(message)}});
}

std::optional<platform::credentials> credentials_from_environment(cli::logger& log) {
    const char* user = std::getenv("SALVO_USER_SECRET");
    const char* org = std::getenv("SALVO_ORG_SECRET");
    if (user == nullptr || *user == '\0' || org == nullptr || *org == '\0') {
        log.log(cli::log_level::error, "secrets_missing",
                {{"message",
                  "set SALVO_USER_SECRET and SALVO_ORG_SECRET (the platform's user and "
                  "organization secrets); they are read from the environment only"}});
        return std::nullopt;
    }
    return platform::credentials{user, org};
}

// Scrubs the run's secrets from the log while the platform client lives.
class log_redaction {
  public:
    log_redaction(cli::logger& log, const platform::redactor& secrets) : log_(log) {
        log_.redact_with(&secrets);
    }
    ~log_redaction() { log_.redact_with(nullptr); }
    log_redaction(const log_redaction&) = delete;
    log_redaction& operator=(const log_redaction&) = delete;

  private:
    cli::logger& log_;
};

// --metrics-file at the end of a command; a failure is logged and changes no exit status.
void write_metrics(cli::logger& log, const std::string& path, const std::string& text) {
    if (path.empty()) {
        return;
    }
    try {
        cli::write_metrics_file(path, text);
        log.log(cli::log_level::info, "metrics_written", {{"path", path}});
    } catch (const std::exception& e) {
        log.log(cli::log_level::error, "metrics_failed", {{"path", path}, {"message", e.what()}});
    }
}

std::string fixed(double v, int digits) {
    std::ostringstream s;
    s << std::fixed << std::setprecision(digits) << v;
    return s.str();
}

std::string duration_text(double seconds) {
    if (seconds < 60) {
        return fixed(seconds, 1) + " s";
    }
    const auto s = static_cast<long>(seconds);
    return std::to_string(s / 60) + " min " + std::to_string(s % 60) + " s";
}

// Shows the run's progress on stderr: a live bar on a terminal, else a `progress` log line
// every 5 s (text or JSON, an info line).
class progress_display {
  public:
    progress_display(asio::io_context& io, const provision::run_progress& p,
                     const http::client& http, cli::progress_mode mode, cli::logger& log)
        : timer_(io), progress_(p), http_(http), mode_(mode), log_(log) {
        if (mode_ == cli::progress_mode::automatic) {
            mode_ = ::isatty(STDERR_FILENO) ? cli::progress_mode::bar : cli::progress_mode::log;
        }
    }

    void start() {
        if (mode_ == cli::progress_mode::none) {
            return;
        }
        started_ = std::chrono::steady_clock::now();
        tick();
    }

    void finish() {
        timer_.cancel();
        if (mode_ == cli::progress_mode::bar && drawn_) {
            log_.end_status(line());
            drawn_ = false;
        }
    }

  private:
    void tick() {
        const auto interval = mode_ == cli::progress_mode::bar ? std::chrono::milliseconds(200)
                                                               : std::chrono::milliseconds(5000);
        timer_.expires_after(interval);
        timer_.async_wait([this](boost::system::error_code ec) {
            if (ec) {
                return;
            }
            if (mode_ == cli::progress_mode::bar) {
                log_.show_status(line());
                drawn_ = true;
            } else {
                log_.log(cli::log_level::info, "progress", fields());
            }
            tick();
        });
    }

    double rate() const {
        const double elapsed =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
        return elapsed > 0 ? static_cast<double>(progress_.done.load()) / elapsed : 0;
    }

    cli::log_fields fields() const {
        const std::size_t total = progress_.total;
        const std::size_t done = progress_.done;
        const double r = rate();
        cli::log_fields f;
        f["phase"] = progress_.swept ? "create" : "sweep";
        f["done"] = done;
        f["total"] = total;
        f["rate"] = std::round(r * 10) / 10;
        f["eta_s"] = r > 0 && done < total
                         ? boost::json::value(std::llround(static_cast<double>(total - done) / r))
                         : boost::json::value(nullptr);
        f["retries"] = http_.metrics().retries_total();
        f["reconciled"] = progress_.reconciled.load();
        f["failed"] = progress_.failed.load();
        return f;
    }

    std::string line() const {
        const std::size_t total = progress_.total;
        const std::size_t done = progress_.done;
        const double elapsed =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
        const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
        std::string out;
        if (!progress_.swept) {
            return "looking up existing instances...";
        }
        if (mode_ == cli::progress_mode::bar) {
            constexpr int width = 24;
            const int filled = total ? static_cast<int>(width * done / total) : width;
            out += "[" + std::string(filled, '#') + std::string(width - filled, '-') + "] ";
        }
        out += std::to_string(done) + "/" + std::to_string(total);
        out += "  " + fixed(rate, 0) + "/s";
        if (rate > 0 && done < total) {
            out += "  ETA " + duration_text(static_cast<double>(total - done) / rate);
        }
        out += "  retries " + std::to_string(http_.metrics().retries_total());
        out += "  reconciled " + std::to_string(progress_.reconciled.load());
        out += "  failed " + std::to_string(progress_.failed.load());
        return out;
    }

    asio::steady_timer timer_;
    const provision::run_progress& progress_;
    const http::client& http_;
    cli::progress_mode mode_;
    cli::logger& log_;
    std::chrono::steady_clock::time_point started_;
    bool drawn_ = false;
};

std::string retries_text(const http::metrics_snapshot& m) {
    std::string out = std::to_string(m.retries_total());
    std::string causes;
    for (std::size_t i = 1; i < http::retry_causes; ++i) {
        if (m.retries[i] != 0) {
            causes += (causes.empty() ? "" : ", ") +
                      std::string(policy::to_string(static_cast<policy::retry_cause>(i))) + " " +
                      std::to_string(m.retries[i]);
        }
    }
    return causes.empty() ? out : out + " (" + causes + ")";
}

void print_summary(std::ostream& out, const provision::manifest& job, const std::string& shard,
                   const provision::run_summary& s, const http::metrics_snapshot& m,
                   const std::string& results_path, bool dry_run) {
    out << "salvo: batch '" << job.batch << "'" << (shard.empty() ? "" : ", shard " + shard) << ", "
        << s.entries << " entries" << (dry_run ? " (dry run: nothing created)" : "") << "\n";
    if (dry_run) {
        out << "  existing   " << s.existing << "\n  to create  " << s.entries - s.existing << "\n";
        return;
    }
    out << "  created    " << s.created << "\n  existing   " << s.existing << "\n  failed     "
        << s.failed << (s.not_started ? " (" + std::to_string(s.not_started) + " not started)" : "")
        << "\n";
    out << "  requests   " << m.requests << " (creates " << s.create_calls << "), retries "
        << retries_text(m) << "\n";
    out << "  reconciled " << s.reconciled << " unknown outcome(s) found created ("
        << s.reconcile_lookups << " lookups)\n";
    const double rate = s.seconds > 0 ? static_cast<double>(s.created + s.failed) / s.seconds : 0;
    out << "  throughput " << fixed(rate, 1) << " entries/s, latency p50 "
        << fixed(static_cast<double>(s.entry_p50_us) / 1000, 1) << " ms, p99 "
        << fixed(static_cast<double>(s.entry_p99_us) / 1000, 1) << " ms, elapsed "
        << duration_text(s.seconds) << "\n";
    if (!results_path.empty()) {
        out << "  results    " << results_path
            << (s.results_error.empty() ? "" : " NOT WRITTEN: " + s.results_error) << "\n";
    }
    if (!s.first_failures.empty()) {
        out << "  first failures:\n";
        for (const auto& f : s.first_failures) {
            out << "    " << f.name << ": "
                << (f.status ? "HTTP " + std::to_string(f.status) + ": " : "") << f.message
                << (f.request_id.empty() ? "" : " (requestId " + f.request_id + ")") << "\n";
        }
    }
}

// --proxy for both schemes (the environment's NO_PROXY still applies), else the environment's
// HTTPS_PROXY / HTTP_PROXY / NO_PROXY. The demo talks to its own loopback mock: --proxy only.
http::proxy_options proxy_for(const cli::arguments& a) {
    http::proxy_options p;
    if (a.command != "demo") {
        p = http::proxy_options::from_environment();
    }
    if (!a.proxy.empty()) {
        p.https_proxy = a.proxy;
        p.http_proxy = a.proxy;
    }
    return p;
}

// A proxy URL may be written without its scheme ("user:pw@proxy:3128"), as in curl.
std::string with_scheme(const std::string& proxy) {
    return proxy.find("://") == std::string::npos ? "http://" + proxy : proxy;
}

// The proxies' credentials join the run's secrets: as written, percent-decoded, and the URLs.
void add_proxy_secrets(platform::redactor& secrets, const http::proxy_options& p) {
    for (const std::string* proxy : {&p.https_proxy, &p.http_proxy}) {
        if (proxy->find('@') == std::string::npos) {
            continue;
        }
        secrets.add(*proxy);
        const std::string url = with_scheme(*proxy);  // the parsed view points into it
        if (auto u = boost::urls::parse_uri(url); u && u->has_userinfo()) {
            secrets.add(u->user());
            secrets.add(u->password());
            secrets.add(u->encoded_user());
            secrets.add(u->encoded_password());
        }
    }
}

// The proxy an origin of `scheme` goes through, for a log line ("" when none).
std::string proxy_for_log(const http::proxy_options& p, std::string_view scheme) {
    const std::string& proxy = scheme == "http" ? p.http_proxy : p.https_proxy;
    return proxy.empty() ? std::string() : cli::url_for_log(with_scheme(proxy));
}

http::client_options http_options(const cli::arguments& a) {
    http::client_options o;
    o.proxy = proxy_for(a);
    o.max_connections_per_origin = a.concurrency;
    o.adaptive_concurrency = true;
    o.single_threaded = true;  // each command runs its io_context on the main thread
    o.retry.max_attempts = a.max_attempts;
    o.attempt_timeout = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(a.attempt_timeout));
    if (a.rate > 0) {
        o.rate = {a.rate, std::max(1.0, a.rate / 10)};
    }
    o.tls.ca_file = a.ca_file;
    o.tls.verify_peer = !a.insecure;
    return o;
}

std::string default_out(const std::string& manifest) {
    fs::path p(manifest);
    return (p.parent_path() / (p.stem().string() + ".results.jsonl")).string();
}

// The exit status a finished run earns (DESIGN.md's contract).
int exit_status_of(const provision::run_summary& s) {
    if (s.auth_rejected) {
        return auth_rejected;
    }
    if (!s.fatal.empty() || !s.results_error.empty()) {
        return some_failed;
    }
    if (s.interrupted) {
        return interrupted;
    }
    return s.failed == 0 ? ok : some_failed;
}

struct provision_outcome {
    int status = ok;
    provision::run_summary summary;
};

// Runs `salvo provision` on an already loaded manifest.
provision_outcome run_provision(const cli::arguments& a, provision::manifest job,
                                const platform::credentials& creds, std::ostream& out,
                                cli::logger& log) {
    std::string shard_text;
    if (!a.shard.empty()) {
        std::string error;
        auto s = provision::parse_shard(a.shard, error);
        if (!s) {
            usage_problem(log, error);
            return {usage_error, {}};
        }
        job.entries = provision::select_shard(std::move(job.entries), *s);
        shard_text = a.shard;
    }
    boost::urls::url base;
    const std::string base_text =
        a.base_url.empty() ? std::string(platform::default_base_url) : a.base_url;
    if (auto parsed = boost::urls::parse_absolute_uri(base_text);
        parsed && (parsed->scheme() == "https" || parsed->scheme() == "http")) {
        base = *parsed;
    } else {
        usage_problem(log,
                      "--base-url: '" + cli::url_for_log(a.base_url) + "' is not an http(s) URL");
        return {usage_error, {}};
    }
    if (!a.metrics_file.empty()) {
        if (auto problem = cli::metrics_path_problem(a.metrics_file); !problem.empty()) {
            usage_problem(log, "--metrics-file: " + problem);
            return {usage_error, {}};
        }
    }
    // The results file must be writable before anything is created whose token it would hold.
    const fs::path out_path = a.out.empty() ? default_out(a.manifest) : a.out;
    if (!a.dry_run) {
        try {
            provision::check_results_writable(out_path);
        } catch (const std::exception& e) {
            usage_problem(log, e.what());
            return {usage_error, {}};
        }
    }

    asio::io_context io;
    std::optional<http::client> http;
    try {
        http.emplace(io.get_executor(), http_options(a));
    } catch (const std::exception& e) {
        usage_problem(log, e.what());
        return {usage_error, {}};
    }
    platform::client api(*http, creds, base);
    api.secrets().add(creds.user_secret);
    api.secrets().add(creds.org_secret);
    const http::proxy_options proxy = proxy_for(a);
    add_proxy_secrets(api.secrets(), proxy);
    for (const auto& e : job.entries) {
        api.secrets().add_values(e.configuration);
    }
    log_redaction scrubbed(log, api.secrets());

    provision::run_options options;
    options.concurrency = a.concurrency;
    options.max_rounds = a.max_attempts;
    options.dry_run = a.dry_run;
    options.out = out_path;
    if (a.deadline) {
        options.deadline = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::duration<double>(*a.deadline));
    }
    const std::string results_path = a.dry_run ? "" : options.out.string();
    cli::run_context context;
    context.batch = job.batch;
    context.shard = shard_text;
    context.base_url = cli::url_for_log(base_text);
    context.results_path = options.out.string();
    context.concurrency = a.concurrency;
    context.dry_run = a.dry_run;
    context.proxy = proxy_for_log(proxy, base.scheme());
    context.no_proxy = proxy.no_proxy;
    options.on_event = [&log, &context](const provision::run_event& e) {
        if (e.kind == provision::run_event_kind::run_finished && e.summary != nullptr) {
            context.exit_status = exit_status_of(*e.summary);
        }
        cli::log_event(log, e, context);
    };
    provision::runner runner(api, std::move(job), options);
    progress_display display(io, runner.progress(), *http, a.progress, log);

    // First SIGINT/SIGTERM: start nothing new, give calls in flight 10 s, then cut them.
    // Second: leave at once (the results file on disk is always whole).
    asio::signal_set signals(io, SIGINT, SIGTERM);
    asio::steady_timer grace(io);
    bool signalled = false;
    std::function<void(boost::system::error_code, int)> on_signal =
        [&](boost::system::error_code ec, int) {
            if (ec) {
                return;
            }
            if (signalled) {
                log.log(cli::log_level::error, "interrupted_again",
                        {{"message", "quitting now; the results file on disk is whole"}});
                const auto& p = runner.progress();
                provision::run_summary so_far;
                so_far.entries = p.total;
                so_far.created = p.created;
                so_far.existing = p.existing;
                so_far.failed = p.failed;
                so_far.reconciled = p.reconciled;
                so_far.interrupted = true;
                write_metrics(log, a.metrics_file,
                              cli::provision_metrics(http->metrics(), so_far, interrupted));
                std::_Exit(interrupted);
            }
            signalled = true;
            log.log(cli::log_level::warn, "interrupted",
                    {{"message",
                      "stopping: no new instances; waiting up to 10 s for calls in flight "
                      "(interrupt again to quit now)"}});
            runner.stop();
            grace.expires_after(std::chrono::seconds(10));
            grace.async_wait([&](boost::system::error_code gec) {
                if (!gec) {
                    log.log(cli::log_level::warn, "grace_period_over",
                            {{"message", "cutting the calls still in flight"}});
                    http->shutdown();
                }
            });
            signals.async_wait(on_signal);
        };
    signals.async_wait(on_signal);

    display.start();
    std::optional<provision::run_summary> finished;
    std::exception_ptr failure;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            finished = co_await runner.run();
            // The job is done: end the waits that would keep io.run() going.
            signals.cancel();
            grace.cancel();
            display.finish();
        },
        [&](std::exception_ptr e) { failure = e; });
    io.run();
    if (failure) {
        write_metrics(log, a.metrics_file,
                      cli::provision_metrics(http->metrics(), {}, some_failed));
        std::rethrow_exception(failure);
    }
    provision::run_summary summary = std::move(*finished);
    http->shutdown();
    const int status = exit_status_of(summary);
    write_metrics(log, a.metrics_file, cli::provision_metrics(http->metrics(), summary, status));

    // The runner's events said why a run stopped (auth_rejected, sweep_failed, results_failed).
    if (summary.fatal.empty() || summary.auth_rejected) {
        print_summary(out, runner.job(), shard_text, summary, http->metrics(), results_path,
                      a.dry_run);
    }
    return {status, summary};
}

int teardown_command(const cli::arguments& a, std::ostream& out, cli::logger& log) {
    auto job = load(a.manifest, log);
    if (!job) {
        return usage_error;
    }
    auto creds = credentials_from_environment(log);
    if (!creds) {
        return usage_error;
    }
    const std::string base_text =
        a.base_url.empty() ? std::string(platform::default_base_url) : a.base_url;
    auto base = boost::urls::parse_absolute_uri(base_text);
    if (!base || (base->scheme() != "https" && base->scheme() != "http")) {
        usage_problem(log,
                      "--base-url: '" + cli::url_for_log(a.base_url) + "' is not an http(s) URL");
        return usage_error;
    }
    if (!a.metrics_file.empty()) {
        if (auto problem = cli::metrics_path_problem(a.metrics_file); !problem.empty()) {
            usage_problem(log, "--metrics-file: " + problem);
            return usage_error;
        }
    }
    if (!a.yes) {
        std::cerr << "salvo: delete every instance of batch '" << job->batch
                  << "' on the platform? type 'yes': " << std::flush;
        std::string answer;
        std::getline(std::cin, answer);
        if (answer != "yes") {
            log.log(cli::log_level::warn, "teardown_declined", {{"message", "nothing deleted"}});
            return usage_error;
        }
    }
    asio::io_context io;
    std::optional<http::client> http;
    try {
        http.emplace(io.get_executor(), http_options(a));
    } catch (const std::exception& e) {
        usage_problem(log, e.what());
        return usage_error;
    }
    platform::client api(*http, *creds, boost::urls::url(*base));
    add_proxy_secrets(api.secrets(), proxy_for(a));
    log_redaction scrubbed(log, api.secrets());
    cli::run_context context;
    context.batch = job->batch;
    context.base_url = cli::url_for_log(base_text);
    auto future = asio::co_spawn(io,
                                 provision::teardown(api, job->batch, a.concurrency,
                                                     [&](const provision::run_event& e) {
                                                         cli::log_event(log, e, context);
                                                     }),
                                 asio::use_future);
    io.run();
    const auto s = future.get();
    const int status = s.auth_rejected                    ? auth_rejected
                       : s.fatal.empty() && s.failed == 0 ? ok
                                                          : some_failed;
    write_metrics(log, a.metrics_file, cli::teardown_metrics(http->metrics(), s, status));
    if (!s.fatal.empty()) {
        return status;  // its event said why
    }
    out << "salvo: batch '" << job->batch << "': " << s.deleted << " deleted, " << s.failed
        << " failed (of " << s.found << " found)\n";
    for (const auto& f : s.first_failures) {
        out << "    " << f.name << ": " << f.message << "\n";
    }
    return status;
}

// A sample manifest of `n` instances over a few elements, with ${VAR} references.
void write_demo_manifest(const fs::path& path, std::size_t n) {
    std::ofstream f(path);
    f << "{\n  \"batch\": \"salvo-demo\",\n  \"defaults\": {\"tags\": [\"demo\"]},\n"
         "  \"instances\": [\n";
    for (std::size_t i = 0; i < n; ++i) {
        const std::string id = std::to_string(i);
        switch (i % 3) {
            case 0:
                f << R"(    {"name": "tenant-)" << id
                  << R"( act", "element": "actessentials", "configuration": {"username": "user-)"
                  << id << R"(", "password": "${SALVO_DEMO_PASSWORD}"}})";
                break;
            case 1:
                f << R"(    {"name": "tenant-)" << id
                  << R"( hubspot", "element": "hubspot", "configuration": {"oauth.api.key": "key-)"
                  << id << R"(", "oauth.api.secret": "${SALVO_DEMO_PASSWORD}"}, "tags": ["crm"]})";
                break;
            default:
                f << R"(    {"name": "tenant-)" << id
                  << R"( close", "element": "closeio", "configuration": {"username": "user-)" << id
                  << R"("}})";
        }
        f << (i + 1 < n ? ",\n" : "\n");
    }
    f << "  ]\n}\n";
}

int demo_command(const cli::arguments& a, std::ostream& out, cli::logger& log) {
    const fs::path dir = fs::temp_directory_path() / ("salvo-demo-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    struct cleanup {
        fs::path dir;
        ~cleanup() {
            std::error_code ignored;
            fs::remove_all(dir, ignored);
        }
    } remove_dir{dir};
    ::setenv("SALVO_DEMO_PASSWORD", "demo-password-not-a-real-secret", 1);

    mock::server_options mo;
    mo.tls = true;
    mo.faults = mock::fault_spec::parse(
        "503=0.01,429=0.01,reset-before=0.005,reset-after=0.005,502-after=0.005,slow-after=0.002,"
        "slow-ms=3000");
    mo.seed = 2026;
    mock::server platform_mock(mo);
    platform_mock.start();
    const fs::path ca = dir / "mock-ca.pem";
    tls::write_pem_file(ca.string(), platform_mock.certificate_pem());

    const fs::path manifest_path = dir / "salvo-demo.json";
    write_demo_manifest(manifest_path, a.instances);
    out << "salvo demo: a mock Open Connectors platform is listening on "
        << platform_mock.base_url() << "\n"
        << "  TLS with a certificate generated for this run, faults injected: "
        << mo.faults.to_string() << "\n"
        << "  manifest: " << a.instances << " instances (" << manifest_path.string() << ")\n\n";

    auto job = load(manifest_path.string(), log);
    if (!job) {
        return usage_error;
    }
    cli::arguments run_args = a;
    run_args.manifest = manifest_path.string();
    run_args.base_url = platform_mock.base_url();
    run_args.ca_file = ca.string();
    run_args.attempt_timeout = 2;  // so slow answers become unknown outcomes, reconciled
    run_args.out = (dir / "salvo-demo.results.jsonl").string();
    const platform::credentials creds{mo.user_secret, mo.org_secret};
    const auto batch = job->batch;
    auto result = run_provision(run_args, std::move(*job), creds, out, log);
    if (result.status != ok) {
        log.log(cli::log_level::error, "demo_failed",
                {{"message", "provisioning did not complete"}, {"exit_status", result.status}});
        return result.status;
    }

    // Verify against the platform itself: every entry once, no duplicate, tokens as recorded.
    const auto stats = platform_mock.snapshot();
    const auto records = provision::read_results(run_args.out);
    std::unordered_set<std::string> tokens;
    for (const auto& r : records.records) {
        if (r.token) {
            tokens.insert(*r.token);
        }
    }
    const bool exact = stats.instances == a.instances && stats.duplicates.empty() &&
                       records.records.size() == a.instances && tokens.size() == a.instances;
    out << "\nverification against the mock platform:\n"
        << "  instances on the platform " << stats.instances << " (expected " << a.instances
        << "), names created twice " << stats.duplicates.size() << "\n"
        << "  create requests received " << stats.posts << ", faults injected "
        << stats.faults_total() << "\n"
        << "  results file: " << records.records.size() << " records, " << tokens.size()
        << " distinct tokens\n"
        << "  " << (exact ? "OK: every instance exists exactly once" : "MISMATCH") << "\n\n";

    // Tear the batch down through the platform API, as `salvo teardown` does.
    {
        asio::io_context io;
        http::client http(io.get_executor(), http_options(run_args));
        platform::client api(http, creds, boost::urls::url(platform_mock.base_url()));
        log_redaction scrubbed(log, api.secrets());
        cli::run_context context;
        context.batch = batch;
        context.base_url = cli::url_for_log(platform_mock.base_url());
        auto future = asio::co_spawn(io,
                                     provision::teardown(api, batch, 16,
                                                         [&](const provision::run_event& e) {
                                                             cli::log_event(log, e, context);
                                                         }),
                                     asio::use_future);
        io.run();
        const auto s = future.get();
        out << "teardown: " << s.deleted << " deleted, " << s.failed << " failed; "
            << platform_mock.snapshot().instances << " instances left on the mock\n\n";
    }
    out << "Next: the same against the real platform:\n"
           "  export SALVO_USER_SECRET=... SALVO_ORG_SECRET=...\n"
           "  build/apps/salvo validate tenants.json\n"
           "  build/apps/salvo provision tenants.json --dry-run\n"
           "  build/apps/salvo provision tenants.json   # default --base-url "
        << platform::default_base_url << "\n"
        << "Manifest format: docs/manifest.md\n";
    return exact ? ok : some_failed;
}

}  // namespace

int main(int argc, char** argv) {
    // A file-size limit (ulimit -f) must fail the write with EFBIG, reported like a full disk,
    // not kill the process halfway through the results file.
    ::signal(SIGXFSZ, SIG_IGN);
    std::vector<std::string_view> args(argv + 1, argv + argc);
    auto parsed = cli::parse(args);
    if (!parsed.args) {
        std::cerr << "salvo: " << parsed.error << "\n\n" << cli::usage();
        return usage_error;
    }
    const cli::arguments& a = *parsed.args;
    if (a.help) {
        std::cout << cli::usage(a.command);
        return ok;
    }
    cli::logger log(std::cerr, a.log_format, a.log_level);
    try {
        if (a.command == "validate") {
            auto job = load(a.manifest, log);
            if (!job) {
                return usage_error;
            }
            std::cout << a.manifest << ": valid, " << job->entries.size() << " instances, batch '"
                      << job->batch << "'\n";
            return ok;
        }
        if (a.command == "teardown") {
            return teardown_command(a, std::cout, log);
        }
        if (a.command == "demo") {
            return demo_command(a, std::cout, log);
        }
        auto job = load(a.manifest, log);
        if (!job) {
            return usage_error;
        }
        auto creds = credentials_from_environment(log);
        if (!creds) {
            return usage_error;
        }
        return run_provision(a, std::move(*job), *creds, std::cout, log).status;
    } catch (const std::exception& e) {
        log.log(cli::log_level::error, "failed", {{"message", e.what()}});
        return some_failed;
    }
}
