// salvo-bench: drives salvo::http::client as an embedder would (pool and policies on) and prints
// one JSON line of results, the last line on stdout, for scripts/bench.sh to collect.
//
//   salvo-bench http --url URL --requests N --connections C [--threads T] [--method M]
//                    [--body-file F] [--header 'K: V']... [--insecure] [--duration S]
//   salvo-bench handshake --url https://... --connections C [--no-resume] [--duration S]
//   salvo-bench idle --url http://... --connections N
//   salvo-bench provision --instances N [--base-url URL] [--concurrency C] [--raw-requests R]
//
// `--url mock` starts the mock platform in-process and targets its POST /instances (the smoke
// test uses it: no server to set up).
#include "common/closed_loop.hpp"
#include "common/load_options.hpp"

#include <salvo/http/client.hpp>
#include <salvo/mock/server.hpp>
#include <salvo/platform/client.hpp>
#include <salvo/provision/manifest.hpp>
#include <salvo/provision/runner.hpp>

#include <boost/json/parse.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

#include <malloc.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

namespace asio = boost::asio;
namespace http = salvo::http;
using salvo::bench::closed_loop;
using salvo::bench::load_options;

std::atomic<bool> reported_failure{false};

void report_first_failure(const boost::system::error_code& ec, const http::response& res) {
    if (reported_failure.exchange(true)) {
        return;
    }
    if (ec) {
        std::cerr << "salvo-bench: first failure: " << ec.message() << " (" << res.diagnostic
                  << ")\n";
    } else {
        std::cerr << "salvo-bench: first failure: HTTP " << res.status << "\n";
    }
}

asio::awaitable<void> worker(http::client& client, const http::request& prototype,
                             closed_loop& loop, std::size_t expected) {
    std::vector<std::uint32_t> samples;
    samples.reserve(expected);
    std::uint64_t failures = 0;
    bool first = true;
    for (;;) {
        const auto turn = first ? closed_loop::turn::warm_up : loop.next();
        if (turn == closed_loop::turn::stop) {
            break;
        }
        const auto start = salvo::bench::bench_clock::now();
        auto [ec, res] =
            co_await client.async_send(http::request(prototype), asio::as_tuple(asio::deferred));
        const bool ok = !ec && res.status < 400;
        if (!ok) {
            report_first_failure(ec, res);
        }
        if (turn == closed_loop::turn::measured) {
            samples.push_back(salvo::bench::elapsed_us(start));
            failures += ok ? 0 : 1;
        }
        if (first) {
            first = false;
            loop.warmed_up();
        }
    }
    loop.finish(std::move(samples), failures);
}

std::optional<http::verb> verb_of(const std::string& method) {
    const auto v = boost::beast::http::string_to_verb(method);
    if (v == http::verb::unknown) {
        return std::nullopt;
    }
    return v;
}

http::request make_prototype(const load_options& options) {
    http::request req;
    req.method = *verb_of(options.method);
    req.url = boost::urls::url(options.url);
    for (const auto& h : options.headers) {
        req.headers.set(h.name, h.value);
    }
    req.body = options.body;
    return req;
}

http::client_options engine_options(const load_options& options) {
    http::client_options engine;
    engine.max_connections_per_origin = options.connections;
    engine.tls.verify_peer = !options.insecure;
    engine.tls.ca_file = options.ca_file;
    engine.tls.session_resumption = options.resume;
    engine.single_threaded = options.threads == 1;
    return engine;
}

std::string engine_counters(const http::metrics_snapshot& m) {
    std::string extra;
    extra.append("\"connections_opened\":").append(std::to_string(m.connections_opened));
    extra.append(",\"connections_reused\":").append(std::to_string(m.connections_reused));
    extra.append(",\"tls_handshakes_full\":").append(std::to_string(m.tls_handshakes_full));
    extra.append(",\"tls_handshakes_resumed\":").append(std::to_string(m.tls_handshakes_resumed));
    extra.append(",\"stale_retries\":").append(std::to_string(m.stale_retries));
    extra.append(",\"retries\":").append(std::to_string(m.retries_total()));
    return extra;
}

// Runs the closed loop with the engine and returns its JSON line; `handshake` makes every
// request open a new connection.
std::string measure_load(const load_options& options, bool handshake, bool& all_ok) {
    auto engine = engine_options(options);
    if (handshake) {
        engine.max_requests_per_connection = 1;
    }
    asio::io_context io(static_cast<int>(options.threads));
    auto client = std::make_unique<http::client>(io.get_executor(), engine);
    const http::request prototype = make_prototype(options);
    closed_loop loop(options.connections, options.requests, options.duration);
    const std::size_t expected = options.requests / options.connections + 16;
    for (std::size_t i = 0; i < options.connections; ++i) {
        asio::co_spawn(io, worker(*client, prototype, loop, expected), asio::detached);
    }
    std::vector<std::thread> threads;
    for (unsigned t = 1; t < options.threads; ++t) {
        threads.emplace_back([&io] { io.run(); });
    }
    io.run();
    for (auto& t : threads) {
        t.join();
    }
    const auto m = client->metrics();
    std::string extra = engine_counters(m);
    if (handshake) {
        extra.insert(0, "\"mode\":\"handshake\",\"resume\":" +
                            std::string(options.resume ? "true," : "false,"));
    }
    all_ok = loop.failures() == 0;
    return loop.json_line(extra);
}

int run_load(const load_options& options, bool handshake) {
    if (!verb_of(options.method)) {
        std::cerr << "salvo-bench: unknown method " << options.method << "\n";
        return 2;
    }
    bool all_ok = false;
    std::cout << measure_load(options, handshake, all_ok) << std::endl;
    return all_ok ? 0 : 1;
}

// Opens N keep-alive connections at once through the engine, lets them idle, reports RSS.
int run_idle(const load_options& options) {
    const long rss_start = salvo::bench::current_rss_kib();
    asio::io_context io(1);
    auto engine = engine_options(options);
    engine.idle_timeout = std::chrono::minutes(5);
    http::client client(io.get_executor(), engine);
    http::request prototype = make_prototype(options);
    const long rss_before = salvo::bench::current_rss_kib();
    std::size_t done = 0;
    std::uint64_t failures = 0;
    // A plain completion handler, not a coroutine per request: what is measured is the engine's
    // memory, not a harness frame per connection left free but mapped after the burst.
    for (std::size_t i = 0; i < options.connections; ++i) {
        client.async_send(http::request(prototype),
                          [&](const boost::system::error_code& ec, const http::response& res) {
                              if (ec || res.status >= 400) {
                                  report_first_failure(ec, res);
                                  ++failures;
                              }
                              ++done;
                          });
    }
    const auto start = salvo::bench::bench_clock::now();
    io.run();
    const double seconds =
        std::chrono::duration<double>(salvo::bench::bench_clock::now() - start).count();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const long rss_idle = salvo::bench::current_rss_kib();
    // What the idle connections hold, apart from heap the finished requests left free but mapped.
    malloc_trim(0);
    const long rss_trimmed = salvo::bench::current_rss_kib();
    const auto heap = mallinfo2();
    const auto m = client.metrics();
    const auto opened = m.connections_opened;
    auto per_connection = [&](long rss) {
        return opened == 0
                   ? 0.0
                   : static_cast<double>(rss - rss_before) * 1024.0 / static_cast<double>(opened);
    };
    char text[512];
    std::snprintf(
        text, sizeof text,
        "{\"mode\":\"idle\",\"connections\":%llu,\"failures\":%llu,\"seconds\":%.3f,"
        "\"rss_start_kib\":%ld,\"rss_before_kib\":%ld,\"rss_idle_kib\":%ld,"
        "\"rss_trimmed_kib\":%ld,\"bytes_per_connection\":%.0f,"
        "\"bytes_per_connection_trimmed\":%.0f,\"heap_in_use_kib\":%zu,\"heap_free_kib\":%zu}",
        static_cast<unsigned long long>(opened), static_cast<unsigned long long>(failures), seconds,
        rss_start, rss_before, rss_idle, rss_trimmed, per_connection(rss_idle),
        per_connection(rss_trimmed), heap.uordblks / 1024, heap.fordblks / 1024);
    std::cout << text << std::endl;
    return failures == 0 && done == options.connections ? 0 : 1;
}

// ---- salvo-bench provision ----------------------------------------------------------------
// Provisioning end to end against the mock (its own process unless --base-url is given): first
// the engine's raw rate of create POSTs against that mock, then `provision::runner` creating
// --instances entries of a fresh batch, as `salvo provision` does (results file included).

struct provision_bench_options {
    std::size_t instances = 10000;
    std::string base_url;  // empty: start salvo-mock
    std::size_t concurrency = 64;
    std::uint64_t raw_requests = 0;  // 0: min(instances, 20000)
    std::string mock_program = SALVO_MOCK_PROGRAM;
};

// salvo-mock as a child process, stopped with SIGTERM when this goes away.
class mock_process {
  public:
    explicit mock_process(const std::string& program) {
        int out[2];
        if (::pipe(out) != 0) {
            throw std::runtime_error("pipe failed");
        }
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
        posix_spawn_file_actions_addclose(&actions, out[0]);
        std::vector<std::string> args{program, "--listen", "127.0.0.1:0", "--threads", "1"};
        std::vector<char*> argv;
        for (auto& a : args) {
            argv.push_back(a.data());
        }
        argv.push_back(nullptr);
        const int rc =
            ::posix_spawn(&pid_, program.c_str(), &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        ::close(out[1]);
        if (rc != 0) {
            ::close(out[0]);
            throw std::runtime_error("cannot start " + program + ": " + std::strerror(rc));
        }
        // The first line: "listening on http://127.0.0.1:PORT/elements/api-v2".
        std::string line;
        char c = 0;
        while (::read(out[0], &c, 1) == 1 && c != '\n') {
            line.push_back(c);
        }
        ::close(out[0]);
        const std::string prefix = "listening on ";
        if (!line.starts_with(prefix)) {
            stop();
            throw std::runtime_error(program + " did not start (said: '" + line + "')");
        }
        url_ = line.substr(prefix.size());
    }
    ~mock_process() { stop(); }
    mock_process(const mock_process&) = delete;
    mock_process& operator=(const mock_process&) = delete;

    const std::string& base_url() const noexcept { return url_; }

  private:
    void stop() noexcept {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            int status = 0;
            ::waitpid(pid_, &status, 0);
            pid_ = -1;
        }
    }

    pid_t pid_ = -1;
    std::string url_;
};

// The manifest of `n` entries in batch `batch`, as an operator would write it.
std::string bench_manifest(std::size_t n, const std::string& batch) {
    std::string text = R"({"batch": ")" + batch +
                       R"(", "defaults": {"element": "actessentials", "tags": ["bench"]},)"
                       R"( "instances": [)";
    text.reserve(n * 120 + 200);
    for (std::size_t i = 0; i < n; ++i) {
        const std::string id = std::to_string(i);
        text += i == 0 ? "\n" : ",\n";
        text += R"({"name": "tenant )" + id + R"(", "configuration": {"username": "user)" + id +
                R"(", "password": "bench-password"}})";
    }
    text += "]}\n";
    return text;
}

// POST /_mock/reset: the raw phase's instances go, counters restart.
void reset_mock(const std::string& base_url) {
    asio::io_context io;
    http::client client(io.get_executor(), http::client_options{});
    http::request req;
    req.method = http::verb::post;
    req.url = boost::urls::url(base_url);
    req.url.set_path("/_mock/reset");  // the admin paths sit at the root, not under the API
    auto f = client.async_send(std::move(req), asio::use_future);
    io.run();
    if (f.get().status != 200) {
        throw std::runtime_error("POST /_mock/reset failed");
    }
}

int run_provision_bench(const provision_bench_options& o) {
    std::optional<mock_process> mock;
    std::string base_url = o.base_url;
    if (base_url.empty()) {
        mock.emplace(o.mock_program);
        base_url = mock->base_url();
    }
    const char* user = std::getenv("SALVO_USER_SECRET");
    const char* org = std::getenv("SALVO_ORG_SECRET");
    const salvo::platform::credentials creds{
        user ? std::string(user) : std::string(salvo::mock::default_user_secret),
        org ? std::string(org) : std::string(salvo::mock::default_org_secret)};

    // 1. The engine's raw rate of create POSTs against this mock.
    load_options raw;
    raw.url = base_url + "/instances";
    raw.method = "POST";
    raw.connections = o.concurrency;
    raw.requests = o.raw_requests ? o.raw_requests : std::min<std::uint64_t>(o.instances, 20000);
    raw.body = R"({"element": {"key": "actessentials"}, "name": "raw", "configuration": )"
               R"({"username": "u", "password": "p"}, "tags": ["raw"]})";
    raw.headers.push_back({"Content-Type", "application/json"});
    raw.headers.push_back(
        {"Authorization", "User " + creds.user_secret + ", Organization " + creds.org_secret});
    bool raw_ok = false;
    const auto raw_line = boost::json::parse(measure_load(raw, false, raw_ok)).as_object();
    const double raw_rps = raw_line.at("rps").to_number<double>();
    if (!raw_ok) {
        std::cerr << "salvo-bench: the raw phase had failures\n";
    }
    reset_mock(base_url);

    // 2. Provisioning: parse the manifest, sweep, create, write results - one runner run. The
    // manifest's text is the bench's input, made before the clock starts.
    const std::string batch = "bench-" + std::to_string(::getpid());
    std::string manifest_text = bench_manifest(o.instances, batch);
    salvo::bench::reset_peak_rss();
    const double cpu_start = salvo::bench::cpu_seconds();
    const auto wall_start = std::chrono::steady_clock::now();
    auto loaded = salvo::provision::parse_manifest(manifest_text, "bench.json");
    std::string().swap(manifest_text);  // parsed: the run does not keep the text
    if (!loaded.ok()) {
        std::cerr << "salvo-bench: " << to_string(loaded.problems.front()) << "\n";
        return 1;
    }
    const double load_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    const auto results_path = std::filesystem::temp_directory_path() /
                              ("salvo-bench-" + std::to_string(::getpid()) + ".results.jsonl");

    asio::io_context io(1);
    http::client_options engine;  // as `salvo provision` sets it up
    engine.max_connections_per_origin = o.concurrency;
    engine.adaptive_concurrency = true;
    engine.single_threaded = true;
    http::client client(io.get_executor(), engine);
    salvo::platform::client api(client, creds, boost::urls::url(base_url));
    salvo::provision::run_options run;
    run.concurrency = o.concurrency;
    run.out = results_path;
    salvo::provision::runner runner(api, std::move(loaded.value), run);
    auto done = asio::co_spawn(io, runner.run(), asio::use_future);
    io.run();
    const auto summary = done.get();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    const double cpu = salvo::bench::cpu_seconds() - cpu_start;
    const long peak_kib = salvo::bench::peak_rss_kib();
    std::filesystem::remove(results_path);
    const auto m = client.metrics();

    const std::size_t ok = summary.created + summary.existing;
    char text[1024];
    std::snprintf(
        text, sizeof text,
        "{\"mode\":\"provision\",\"instances\":%zu,\"created\":%zu,\"failed\":%zu,"
        "\"seconds\":%.3f,\"instances_per_s\":%.1f,\"engine_rps\":%.1f,\"ratio\":%.3f,"
        "\"entry_p50_us\":%llu,\"entry_p99_us\":%llu,\"create_calls\":%zu,\"requests\":%llu,"
        "\"attempts_per_entry\":%.3f,\"manifest_seconds\":%.3f,\"cpu_seconds\":%.3f,"
        "\"cpu_us_per_entry\":%.2f,\"wall_us_per_entry\":%.2f,\"max_rss_kib\":%ld}",
        o.instances, summary.created, summary.failed, seconds, ok / seconds, raw_rps,
        ok / seconds / raw_rps, static_cast<unsigned long long>(summary.entry_p50_us),
        static_cast<unsigned long long>(summary.entry_p99_us), summary.create_calls,
        static_cast<unsigned long long>(m.requests),
        static_cast<double>(summary.create_calls) / static_cast<double>(o.instances), load_seconds,
        cpu, cpu * 1e6 / static_cast<double>(o.instances),
        seconds * 1e6 / static_cast<double>(o.instances), peak_kib);
    std::cout << text << std::endl;
    return summary.failed == 0 && ok == o.instances ? 0 : 1;
}

// --instances N --base-url URL --concurrency C --raw-requests R --mock PATH
std::optional<std::string> parse_provision_options(int argc, char** argv,
                                                   provision_bench_options& o) {
    for (int i = 2; i < argc; ++i) {
        const std::string_view flag = argv[i];
        if (i + 1 >= argc) {
            return std::string(flag) + " needs a value";
        }
        const std::string value = argv[++i];
        const auto count = [&](auto& out) -> std::optional<std::string> {
            char* end = nullptr;
            const auto n = std::strtoull(value.c_str(), &end, 10);
            if (value.empty() || *end != '\0' || n == 0) {
                return std::string(flag) + ": expected a positive count, got '" + value + "'";
            }
            out = static_cast<std::remove_reference_t<decltype(out)>>(n);
            return std::nullopt;
        };
        std::optional<std::string> problem;
        if (flag == "--instances") {
            problem = count(o.instances);
        } else if (flag == "--concurrency") {
            problem = count(o.concurrency);
        } else if (flag == "--raw-requests") {
            problem = count(o.raw_requests);
        } else if (flag == "--base-url") {
            o.base_url = value;
        } else if (flag == "--mock") {
            o.mock_program = value;
        } else {
            problem = "unknown flag " + std::string(flag);
        }
        if (problem) {
            return problem;
        }
    }
    return std::nullopt;
}

int usage(int status) {
    (status == 0 ? std::cout : std::cerr)
        << "usage: salvo-bench http|handshake|idle --url URL [flags]\n"
        << "       salvo-bench provision [--instances N] [--base-url URL] [--concurrency C]\n"
        << "                             [--raw-requests R] [--mock PATH]\n"
        << "  http       closed-loop requests through salvo::http::client\n"
        << "  handshake  a new TLS connection per request (--no-resume: no session resumption)\n"
        << "  idle       open --connections keep-alive connections, report the RSS they cost\n"
        << "  provision  the engine's create rate against the mock, then provision::runner\n"
        << "             creating N instances (default 10000, concurrency 64) against it\n"
        << "flags:\n"
        << salvo::bench::load_usage() << "  --no-resume          (handshake) full handshakes\n"
        << "  --url mock           an in-process mock platform's POST /instances\n";
    return status;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        return usage(2);
    }
    const std::string mode = argv[1];
    if (mode == "--help" || mode == "-h") {
        return usage(0);
    }
    if (mode == "provision") {
        provision_bench_options o;
        if (auto problem = parse_provision_options(argc, argv, o)) {
            std::cerr << "salvo-bench: " << *problem << "\n";
            return usage(2);
        }
        try {
            return run_provision_bench(o);
        } catch (const std::exception& e) {
            std::cerr << "salvo-bench: " << e.what() << "\n";
            return 1;
        }
    }
    if (mode != "http" && mode != "handshake" && mode != "idle") {
        std::cerr << "salvo-bench: unknown command " << mode << "\n";
        return usage(2);
    }
    load_options options;
    // "mock" is not a URL: swap it for the in-process mock's before parsing the rest.
    std::vector<char*> args(argv, argv + argc);
    std::optional<salvo::mock::server> mock;
    std::string mock_url;
    for (std::size_t i = 2; i + 1 < args.size(); ++i) {
        if (std::string_view(args[i]) == "--url" && std::string_view(args[i + 1]) == "mock") {
            mock.emplace(salvo::mock::server_options{.threads = 1});
            mock->start();
            mock_url = mock->base_url() + "/instances";
            args[i + 1] = mock_url.data();
            std::string auth = "Authorization: User ";
            auth.append(salvo::mock::default_user_secret)
                .append(", Organization ")
                .append(salvo::mock::default_org_secret);
            options.headers.push_back({"Authorization", auth.substr(15)});
            options.headers.push_back({"Content-Type", "application/json"});
        }
    }
    if (auto problem = salvo::bench::parse_load_options(static_cast<int>(args.size()), args.data(),
                                                        2, options)) {
        std::cerr << "salvo-bench: " << *problem << "\n";
        return usage(2);
    }
    try {
        if (mode == "idle") {
            return run_idle(options);
        }
        return run_load(options, mode == "handshake");
    } catch (const std::exception& e) {
        std::cerr << "salvo-bench: " << e.what() << "\n";
        return 1;
    }
}
