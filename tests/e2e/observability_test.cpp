// Observability (issue #8): the CLI's log lines (text and JSON, levels, no secrets), the
// --metrics-file, the runner's event sink, and the logger's formatting on its own.
#include "log.hpp"
#include "metrics_file.hpp"

#include <salvo/http/client.hpp>
#include <salvo/mock/server.hpp>
#include <salvo/platform/client.hpp>
#include <salvo/provision/manifest.hpp>
#include <salvo/provision/results.hpp>
#include <salvo/provision/runner.hpp>

#include "support/connect_proxy.hpp"
#include "support/lines.hpp"
#include "support/prometheus_check.hpp"
#include "support/subprocess.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

namespace asio = boost::asio;
namespace fs = std::filesystem;
namespace json = boost::json;
using namespace salvo;

namespace {

constexpr const char* user_secret = "obs-user-secret-5521";
constexpr const char* org_secret = "obs-org-secret-9034";
constexpr const char* config_secret = "obs-config-password-2718";
// An entry whose element key is also one of its configuration values: the platform's 400
// answer quotes it back, and no log line may show it.
constexpr const char* leaky_value = "leaky-element-key-42";

using testing::check_exposition_format;
using testing::lines_of;
using testing::process_result;
using testing::read_file;
using testing::scratch;

// `n` entries with distinct configuration values, plus one the platform refuses (400).
fs::path write_manifest(const scratch& s, std::size_t n, std::vector<std::string>& config_values) {
    const fs::path path = s / "tenants.json";
    std::ofstream f(path);
    f << R"({"batch": "obs", "defaults": {"element": "actessentials"}, "instances": [)";
    for (std::size_t i = 0; i < n; ++i) {
        const std::string user = "obs-user-" + std::to_string(i) + "-cfg";
        config_values.push_back(user);
        f << (i ? ",\n" : "\n") << R"({"name": "tenant )" << i << R"(", "configuration": {)"
          << R"("username": ")" << user << R"(", "password": ")" << config_secret << R"("}})";
    }
    f << ",\n"
      << R"({"name": "refused", "element": ")" << leaky_value
      << R"(", "configuration": {"username": ")" << leaky_value << R"("}})";
    f << "]}\n";
    config_values.emplace_back(config_secret);
    config_values.emplace_back(leaky_value);
    return path;
}

std::unique_ptr<mock::server> start_mock(const char* faults, std::uint64_t seed = 8) {
    mock::server_options o;
    o.user_secret = user_secret;
    o.org_secret = org_secret;
    o.faults = mock::fault_spec::parse(faults);
    o.seed = seed;
    auto m = std::make_unique<mock::server>(o);
    m->start();
    return m;
}

// Runs the CLI with the secrets, and `env` ("NAME=value"), in its environment; the caller's
// proxy variables are left out so that loopback runs go direct unless a test says otherwise.
process_result run_cli(const scratch& s, std::vector<std::string> args,
                       const std::string& tag = "run", const char* user = user_secret,
                       const char* org = org_secret, std::vector<std::string> env = {}) {
    env.push_back(std::string("SALVO_USER_SECRET=") + user);
    env.push_back(std::string("SALVO_ORG_SECRET=") + org);
    return testing::wait_for(testing::spawn_process(
        SALVO_CLI, args,
        testing::environment_with(
            {"SALVO_USER_SECRET", "SALVO_ORG_SECRET", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY",
             "http_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"},
            env),
        s / tag));
}

// Every line of a JSON log: an object with ts, level and event.
std::vector<json::object> json_lines(const std::string& err) {
    static const std::regex ts(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");
    std::vector<json::object> out;
    for (const auto& line : lines_of(err)) {
        boost::system::error_code ec;
        json::value v = json::parse(line, ec);
        BOOST_TEST_REQUIRE((!ec && v.is_object()), "not a JSON object: '" << line << "'");
        json::object& o = v.as_object();
        BOOST_TEST_REQUIRE((o.contains("ts") && o.at("ts").is_string()), line);
        BOOST_TEST(std::regex_match(std::string(o.at("ts").as_string()), ts), line);
        BOOST_TEST_REQUIRE((o.contains("level") && o.at("level").is_string()), line);
        const std::string_view level = o.at("level").as_string();
        BOOST_TEST((level == "debug" || level == "info" || level == "warn" || level == "error"),
                   line);
        BOOST_TEST_REQUIRE((o.contains("event") && o.at("event").is_string()), line);
        out.push_back(std::move(o));
    }
    return out;
}

std::vector<json::object> events_named(const std::vector<json::object>& lines,
                                       std::string_view event) {
    std::vector<json::object> out;
    for (const auto& o : lines) {
        if (o.at("event").as_string() == event) {
            out.push_back(o);
        }
    }
    return out;
}

void check_absent(const std::string& text, const std::vector<std::string>& secrets,
                  const std::string& where) {
    for (const auto& secret : secrets) {
        BOOST_TEST(text.find(secret) == std::string::npos, where << " shows '" << secret << "'");
    }
}

// The value of a sample line "<name> <value>" (labels included in `name`), or -1.
double sample(const std::string& text, const std::string& name) {
    for (const auto& line : lines_of(text)) {
        if (line.starts_with(name + " ")) {
            return std::stod(line.substr(name.size() + 1));
        }
    }
    return -1;
}

unsigned file_mode(const fs::path& p) {
    struct stat st {};
    BOOST_REQUIRE(::stat(p.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

// A fixed clock for the logger's own tests: 2026-12-04T18:00:00.123Z.
std::chrono::system_clock::time_point fixed_time() {
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(1796407200123));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(observability)

BOOST_AUTO_TEST_CASE(json_log_lines_are_objects_with_request_ids_and_no_secret) {
    scratch s;
    auto mock_server = start_mock("503=0.08,reset-after=0.04,502-after=0.04", 21);
    mock::server& m = *mock_server;
    std::vector<std::string> config_values;
    const auto manifest_path = write_manifest(s, 300, config_values);
    const auto results = s / "out.jsonl";
    const auto metrics = s / "run.prom";
    // One attempt per request: the injected 503s become failed entries with a requestId.
    auto r = run_cli(s, {"provision", manifest_path.string(), "--base-url", m.base_url(), "--out",
                         results.string(), "--max-attempts", "1", "--log-format", "json",
                         "--progress", "log", "--metrics-file", metrics.string()});
    BOOST_TEST(r.status == 1, r.err);  // some failed

    const auto lines = json_lines(r.err);
    BOOST_TEST_REQUIRE(!lines.empty());
    BOOST_TEST(lines.front().at("event").as_string() == "run_started");
    BOOST_TEST(events_named(lines, "sweep_finished").size() == 1u);
    BOOST_TEST(events_named(lines, "results_written").size() == 1u);
    BOOST_TEST(events_named(lines, "metrics_written").size() == 1u);
    const auto finished = events_named(lines, "run_finished");
    BOOST_TEST_REQUIRE(finished.size() == 1u);
    BOOST_TEST(finished.front().at("exit_status").to_number<int>() == 1);
    BOOST_TEST(
        events_named(lines, "reconciled").size() ==
        static_cast<std::size_t>(finished.front().at("reconciled").to_number<std::uint64_t>()));
    BOOST_TEST(finished.front().at("reconciled").to_number<std::uint64_t>() >
               0u);  // reset-after, 502-after

    // Each failed entry: one warn line with its status and the platform's requestId, the same
    // as the results file holds.
    const auto file = provision::read_results(results);
    std::map<std::string, std::string> failed_in_file;  // name -> requestId
    std::vector<std::string> tokens;
    for (const auto& rec : file.records) {
        if (rec.status == provision::result_status::failed) {
            failed_in_file[rec.name] = rec.error ? rec.error->request_id.value_or("") : "";
        }
        if (rec.token) {
            tokens.push_back(*rec.token);
        }
    }
    const auto failures = events_named(lines, "entry_failed");
    BOOST_TEST(failures.size() == failed_in_file.size());
    BOOST_TEST(failures.size() >= 2u);  // the refused entry and some 503s
    BOOST_TEST(finished.front().at("failed").to_number<std::uint64_t>() == failed_in_file.size());
    for (const auto& f : failures) {
        BOOST_TEST(f.at("level").as_string() == "warn");
        const std::string entry(f.at("entry").as_string());
        BOOST_TEST_REQUIRE(f.at("request_id").is_string(), entry);
        BOOST_TEST(!f.at("request_id").as_string().empty(), entry);
        BOOST_TEST(f.at("status").is_int64(), entry);
        BOOST_TEST(f.at("message").is_string(), entry);
        BOOST_TEST(failed_in_file[entry] == std::string(f.at("request_id").as_string()), entry);
        if (entry == "refused") {
            BOOST_TEST(f.at("status").as_int64() == 400);
            BOOST_TEST(std::string(f.at("message").as_string()).find("***") != std::string::npos,
                       f.at("message"));
        }
    }

    // No secret anywhere: credentials, configuration values, instance tokens.
    BOOST_TEST(tokens.size() > 250u);
    std::vector<std::string> secrets = config_values;
    secrets.emplace_back(user_secret);
    secrets.emplace_back(org_secret);
    secrets.insert(secrets.end(), tokens.begin(), tokens.end());
    check_absent(r.err, secrets, "stderr");
    check_absent(r.out, secrets, "stdout");
    check_absent(read_file(metrics), secrets, "metrics file");
}

BOOST_AUTO_TEST_CASE(log_level_filters_lines) {
    scratch s;
    auto mock_server = start_mock("503=0.1,reset-after=0.05", 4);
    mock::server& m = *mock_server;
    std::vector<std::string> config_values;
    const auto manifest_path = write_manifest(s, 100, config_values);
    const std::vector<std::string> common{
        "provision", manifest_path.string(), "--base-url", m.base_url(), "--max-attempts",
        "1",         "--progress",           "log"};

    // The default level shows info and warn lines in text form.
    auto shown = run_cli(s, common, "info");
    BOOST_TEST(shown.status == 1, shown.err);
    BOOST_TEST(shown.err.find("salvo: info: run_started ") != std::string::npos, shown.err);
    BOOST_TEST(shown.err.find("salvo: warn: entry_failed ") != std::string::npos, shown.err);
    for (const auto& line : lines_of(shown.err)) {
        BOOST_TEST(line.starts_with("salvo: "), line);
        BOOST_TEST(line.find("salvo: debug:") == std::string::npos, line);
    }

    // --log-level error: entry failures (warn) and the rest (info) are gone; the summary on
    // stdout stays.
    auto args = common;
    args.insert(args.end(), {"--log-level", "error"});
    auto quiet = run_cli(s, args, "error");
    BOOST_TEST(quiet.status == 1, quiet.err);
    BOOST_TEST(quiet.err.empty(), quiet.err);
    BOOST_TEST(quiet.out.find("failed") != std::string::npos, quiet.out);

    // ... but errors remain: wrong secrets.
    auto rejected = run_cli(s, args, "rejected", "not-the-user-secret-77", "not-the-org-secret-77");
    BOOST_TEST(rejected.status == 3, rejected.err);
    const auto lines = lines_of(rejected.err);
    BOOST_TEST_REQUIRE(lines.size() == 1u, rejected.err);
    BOOST_TEST(lines.front().starts_with("salvo: error: auth_rejected "), rejected.err);
    BOOST_TEST(lines.front().find("SALVO_USER_SECRET") != std::string::npos);
    check_absent(rejected.out + rejected.err, {"not-the-user-secret-77", "not-the-org-secret-77"},
                 "output");

    // JSON at warn: nothing below warn; debug adds per-entry lines.
    args = common;
    args.insert(args.end(), {"--log-format", "json", "--log-level", "warn"});
    auto warn = run_cli(s, args, "warn");
    const auto warn_lines = json_lines(warn.err);
    BOOST_TEST(!warn_lines.empty());
    for (const auto& o : warn_lines) {
        BOOST_TEST((o.at("level").as_string() == "warn" || o.at("level").as_string() == "error"),
                   json::serialize(o));
    }
    m.reset();  // an empty platform: every entry is created again
    args = common;
    args.insert(args.end(), {"--log-format", "json", "--log-level", "debug"});
    auto debug = run_cli(s, args, "debug");
    const auto debug_lines = json_lines(debug.err);
    BOOST_TEST(events_named(debug_lines, "entry_created").size() > 0u);
    BOOST_TEST(events_named(debug_lines, "outcome_unknown").size() > 0u);
    check_absent(debug.err + debug.out, config_values, "debug output");
}

BOOST_AUTO_TEST_CASE(metrics_file_holds_what_the_run_did) {
    scratch s;
    auto mock_server = start_mock("");
    mock::server& m = *mock_server;
    std::vector<std::string> config_values;
    const auto manifest_path = write_manifest(s, 200, config_values);
    const auto metrics = s / "run.prom";
    const std::vector<std::string> args{"provision",      manifest_path.string(), "--base-url",
                                        m.base_url(),     "--progress",           "none",
                                        "--metrics-file", metrics.string()};
    auto r = run_cli(s, args, "first");
    BOOST_TEST(r.status == 1, r.err);  // the refused entry
    const std::string text = read_file(metrics);
    check_exposition_format(text);
    BOOST_TEST(text.find("# TYPE salvo_http_requests_total counter") != std::string::npos);
    BOOST_TEST(text.find("# TYPE salvo_provision_entries gauge") != std::string::npos);
    // The sweep and 201 creates, each answered at the first attempt.
    const double requests = sample(text, "salvo_http_requests_total");
    BOOST_TEST(requests >= 201);
    BOOST_TEST(requests == static_cast<double>(m.snapshot().requests));
    BOOST_TEST(sample(text, R"(salvo_provision_entries{status="created"})") == 200);
    BOOST_TEST(sample(text, R"(salvo_provision_entries{status="failed"})") == 1);
    BOOST_TEST(sample(text, "salvo_provision_create_calls_total") == 201);
    BOOST_TEST(sample(text, "salvo_provision_exit_status") == 1);
    // Nothing secret in it, readable by a node exporter, no temporary file left.
    const unsigned mode = file_mode(metrics);
    BOOST_TEST((mode & 0600u) == 0600u, std::oct << mode);
    BOOST_TEST((mode & 0022u) == 0u, std::oct << mode);
    BOOST_TEST(!fs::exists(s / "run.prom.tmp"));

    // A second run replaces it: everything exists now.
    auto again = run_cli(s, args, "second");
    BOOST_TEST(again.status == 1, again.err);
    const std::string second = read_file(metrics);
    BOOST_TEST(sample(second, R"(salvo_provision_entries{status="existing"})") == 200);
    BOOST_TEST(sample(second, "salvo_provision_create_calls_total") == 1);

    // Written when the run stops early too: authentication rejected.
    auto rejected = run_cli(s, args, "rejected", "not-the-user-secret-77", org_secret);
    BOOST_TEST(rejected.status == 3, rejected.err);
    BOOST_TEST(sample(read_file(metrics), "salvo_provision_exit_status") == 3);
    check_absent(read_file(metrics), {"not-the-user-secret-77", org_secret}, "metrics file");
}

BOOST_AUTO_TEST_CASE(metrics_file_problems) {
    scratch s;
    auto mock_server = start_mock("");
    mock::server& m = *mock_server;
    std::vector<std::string> config_values;
    const auto manifest_path = write_manifest(s, 20, config_values);

    // A directory that does not exist: a usage error before anything is sent.
    auto missing = run_cli(s, {"provision", manifest_path.string(), "--base-url", m.base_url(),
                               "--metrics-file", (s / "no-such-dir" / "m.prom").string()});
    BOOST_TEST(missing.status == 2, missing.err);
    BOOST_TEST(missing.err.find("--metrics-file") != std::string::npos, missing.err);
    BOOST_TEST(m.snapshot().requests == 0u);

    // A write that fails at the end (its temporary file's place is taken by a directory): said
    // on stderr, the run's own exit status stands.
    const auto metrics = s / "blocked.prom";
    fs::create_directories(s / "blocked.prom.tmp");
    auto blocked =
        run_cli(s, {"provision", manifest_path.string(), "--base-url", m.base_url(), "--progress",
                    "none", "--log-format", "json", "--metrics-file", metrics.string()});
    BOOST_TEST(blocked.status == 1, blocked.err);  // the refused entry, as without metrics
    const auto lines = json_lines(blocked.err);
    const auto failed = events_named(lines, "metrics_failed");
    BOOST_TEST_REQUIRE(failed.size() == 1u, blocked.err);
    BOOST_TEST(failed.front().at("level").as_string() == "error");
    BOOST_TEST(std::string(failed.front().at("message").as_string()).find("blocked.prom") !=
               std::string::npos);
    BOOST_TEST(!fs::exists(metrics));
    check_absent(blocked.err + blocked.out, config_values, "output");
}

BOOST_AUTO_TEST_CASE(bad_log_flags_exit_2_and_send_nothing) {
    scratch s;
    auto mock_server = start_mock("");
    mock::server& m = *mock_server;
    std::vector<std::string> config_values;
    const auto manifest_path = write_manifest(s, 5, config_values);
    const std::vector<std::string> base{"provision", manifest_path.string(), "--base-url",
                                        m.base_url()};
    auto with = [&](std::vector<std::string> extra) {
        auto args = base;
        args.insert(args.end(), extra.begin(), extra.end());
        return args;
    };
    auto format = run_cli(s, with({"--log-format", "xml"}), "format");
    BOOST_TEST(format.status == 2);
    BOOST_TEST(format.err.find("--log-format: 'xml' is not one of text, json") != std::string::npos,
               format.err);
    auto level = run_cli(s, with({"--log-level=verbose"}), "level");
    BOOST_TEST(level.status == 2);
    BOOST_TEST(level.err.find("--log-level: 'verbose' is not one of debug, info, warn, error") !=
                   std::string::npos,
               level.err);
    auto empty = run_cli(s, with({"--log-format"}), "empty");
    BOOST_TEST(empty.status == 2);
    BOOST_TEST(empty.err.find("--log-format: needs a value") != std::string::npos, empty.err);
    auto metrics = run_cli(s, with({"--metrics-file"}), "metrics");
    BOOST_TEST(metrics.status == 2);
    BOOST_TEST(m.snapshot().requests == 0u);

    auto help = run_cli(s, {"provision", "--help"}, "help");
    BOOST_TEST(help.status == 0);
    for (const char* flag : {"--log-format", "--log-level", "--metrics-file"}) {
        BOOST_TEST(help.out.find(flag) != std::string::npos, flag);
    }
}

// The runner's event sink, in-process: order, counts, one call at a time on its strand, and a
// throwing sink does not stop the run.
BOOST_AUTO_TEST_CASE(runner_events_account_for_the_run) {
    scratch s;
    auto mock_server = start_mock("503=0.1,reset-after=0.05,502-after=0.05", 9);
    mock::server& m = *mock_server;
    std::vector<std::string> config_values;
    const auto manifest_path = write_manifest(s, 300, config_values);
    auto loaded = provision::load_manifest(manifest_path);
    BOOST_REQUIRE(loaded.ok());

    asio::io_context io;
    http::client_options options;
    options.retry.max_attempts = 1;
    options.max_connections_per_origin = 8;
    http::client http(io.get_executor(), options);
    platform::client api(http, {user_secret, org_secret}, boost::urls::url(m.base_url()));

    std::vector<provision::run_event_kind> kinds;
    std::map<provision::run_event_kind, std::size_t> counts;
    std::set<std::string> failed_names;
    std::size_t failures_without_request_id = 0;
    std::atomic<int> inside{0};
    bool overlapped = false;
    bool summary_always_set = true;
    std::size_t thrown = 0;
    provision::run_options ro;
    ro.concurrency = 8;
    ro.max_rounds = 1;
    ro.out = s / "events.jsonl";
    ro.on_event = [&](const provision::run_event& e) {
        overlapped = overlapped || inside.fetch_add(1) != 0;
        kinds.push_back(e.kind);
        ++counts[e.kind];
        summary_always_set = summary_always_set && e.summary != nullptr;
        if (e.kind == provision::run_event_kind::entry_failed) {
            failed_names.emplace(e.entry);
            failures_without_request_id += e.request_id.empty() || e.status < 400 ? 1 : 0;
        }
        inside.fetch_sub(1);
        if (e.kind == provision::run_event_kind::reconciled) {
            ++thrown;
            throw std::runtime_error("a log that fails");  // ignored by the runner
        }
    };
    provision::runner job(api, std::move(loaded.value), ro);
    auto f = asio::co_spawn(io, job.run(), asio::use_future);
    std::thread second([&] { io.run(); });  // two threads: events still come one at a time
    io.run();
    second.join();
    const auto summary = f.get();

    using k = provision::run_event_kind;
    BOOST_TEST(!overlapped);
    BOOST_TEST(summary_always_set);
    BOOST_TEST_REQUIRE(kinds.size() >= 4u);
    BOOST_TEST((kinds.front() == k::run_started));
    BOOST_TEST((kinds[1] == k::sweep_finished));
    BOOST_TEST((kinds.back() == k::run_finished));
    BOOST_TEST((kinds[kinds.size() - 2] == k::results_written));
    BOOST_TEST(counts[k::entry_created] == summary.created - summary.reconciled);
    BOOST_TEST(counts[k::reconciled] == summary.reconciled);
    BOOST_TEST(thrown == summary.reconciled);
    BOOST_TEST(summary.reconciled > 0u);
    BOOST_TEST(counts[k::outcome_unknown] == summary.reconcile_lookups);
    BOOST_TEST(counts[k::reconcile_not_found] == summary.reconcile_lookups - summary.reconciled);
    BOOST_TEST(counts[k::entry_failed] == summary.failed);
    BOOST_TEST(failed_names.size() == summary.failed);
    BOOST_TEST(failed_names.count("refused") == 1u);
    BOOST_TEST(failures_without_request_id == 0u);
    BOOST_TEST(summary.created + summary.failed == 301u);

    // Teardown reports through the same sink.
    std::vector<provision::run_event_kind> teardown_kinds;
    std::size_t listed = 0;
    bool teardown_always_set = true;
    auto on_teardown = [&](const provision::run_event& e) {
        teardown_kinds.push_back(e.kind);
        if (e.kind == k::teardown_listed) {
            listed = e.count;
        }
        teardown_always_set = teardown_always_set && e.teardown != nullptr;
    };
    auto t = asio::co_spawn(io, provision::teardown(api, "obs", 8, on_teardown), asio::use_future);
    io.restart();
    io.run();
    const auto removed = t.get();
    BOOST_TEST(removed.deleted == summary.created);
    BOOST_TEST(listed == removed.found);
    BOOST_TEST(teardown_always_set);
    BOOST_TEST_REQUIRE(teardown_kinds.size() == 2u);
    BOOST_TEST((teardown_kinds.back() == k::teardown_finished));

    // Every kind has its own name.
    std::set<std::string_view> names;
    for (int i = 0; i <= static_cast<int>(k::teardown_finished); ++i) {
        names.insert(provision::to_string(static_cast<k>(i)));
    }
    BOOST_TEST(names.size() == static_cast<std::size_t>(k::teardown_finished) + 1);
    BOOST_TEST(names.count("unknown") == 0u);
}

// --proxy and HTTP_PROXY tunnel the run through a CONNECT proxy; NO_PROXY bypasses it; its
// credentials appear in no output, and a refusing proxy is a clear failure.
BOOST_AUTO_TEST_CASE(proxies_from_the_flag_and_the_environment) {
    scratch s;
    auto mock_server = start_mock("");
    mock::server& m = *mock_server;
    std::vector<std::string> config_values;
    const auto manifest_path = write_manifest(s, 20, config_values);
    constexpr const char* proxy_password = "prx-pass-6071";
    const std::string basic = "Basic cHJ4LXVzZXI6cHJ4LXBhc3MtNjA3MQ==";  // prx-user:prx-pass-6071
    testing::connect_proxy proxy(testing::proxy_behaviour::requiring(basic));
    const std::string proxy_url = proxy.url(std::string("prx-user:") + proxy_password);
    const std::vector<std::string> secrets{proxy_password, basic.substr(6), proxy_url};
    const std::vector<std::string> args{
        "provision", manifest_path.string(), "--base-url", m.base_url(), "--progress",
        "none",      "--log-format",         "json"};
    auto with = [&](std::vector<std::string> extra) {
        auto a = args;
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    };

    auto flag = run_cli(s, with({"--proxy", proxy_url}), "flag");
    BOOST_TEST(flag.status == 1, flag.err);  // the refused entry; the 20 others created
    BOOST_TEST(m.snapshot().instances == 20u);
    BOOST_TEST(proxy.requests().size() > 0u);
    for (const auto& seen : proxy.requests()) {
        BOOST_TEST(seen.authorization == basic);
    }
    const auto started = events_named(json_lines(flag.err), "run_started");
    BOOST_TEST_REQUIRE(started.size() == 1u);
    BOOST_TEST(started.front().at("proxy").as_string() == "http://" + proxy.name());
    check_absent(flag.err + flag.out, secrets, "output with --proxy");

    // The environment: HTTP_PROXY for an http:// base URL ...
    const auto before = proxy.requests().size();
    auto env = run_cli(s, args, "env", user_secret, org_secret, {"HTTP_PROXY=" + proxy_url});
    BOOST_TEST(env.status == 1, env.err);
    BOOST_TEST(proxy.requests().size() > before);
    check_absent(env.err + env.out, secrets, "output with HTTP_PROXY");

    // ... and NO_PROXY naming the host: direct.
    const auto before_bypass = proxy.requests().size();
    auto bypass = run_cli(s, args, "bypass", user_secret, org_secret,
                          {"HTTP_PROXY=" + proxy_url, "NO_PROXY=localhost,127.0.0.1"});
    BOOST_TEST(bypass.status == 1, bypass.err);
    BOOST_TEST(proxy.requests().size() == before_bypass);

    // Wrong proxy credentials: the sweep cannot get through; the error names the proxy by
    // address only.
    const std::string wrong = proxy.url("prx-user:wrong-proxy-pass-88");
    auto refused = run_cli(s, with({"--proxy", wrong, "--max-attempts", "1"}), "refused");
    BOOST_TEST(refused.status == 1, refused.err);
    const auto failed = events_named(json_lines(refused.err), "sweep_failed");
    BOOST_TEST_REQUIRE(failed.size() == 1u, refused.err);
    const std::string message(failed.front().at("message").as_string());
    BOOST_TEST(message.find(proxy.name()) != std::string::npos, message);
    BOOST_TEST(message.find("407") != std::string::npos, message);
    check_absent(refused.err + refused.out, {"wrong-proxy-pass-88", wrong}, "output");

    // A proxy URL the engine cannot use: a usage error naming the flag's field, not the URL.
    auto bad =
        run_cli(s, with({"--proxy", "socks5://prx-user:socks-pass-1234@127.0.0.1:1080"}), "bad");
    BOOST_TEST(bad.status == 2, bad.err);
    check_absent(bad.err + bad.out, {"socks-pass-1234"}, "output");
}

BOOST_AUTO_TEST_CASE(logger_formats_escapes_and_redacts) {
    std::ostringstream out;
    cli::logger json_log(out, cli::log_format::json, cli::log_level::info, fixed_time);
    json_log.log(cli::log_level::info, "entry_failed",
                 {{"entry", "tenant \"7\""},
                  {"status", 502},
                  {"request_id", "r-1"},
                  {"message", "two\nlines\x1b[2J and \xff bad UTF-8"},
                  {"rate", 12.5},
                  {"absent", nullptr}});
    const std::string line = out.str();
    BOOST_TEST(line.starts_with(
                   R"({"ts":"2026-12-04T18:00:00.123Z","level":"info","event":"entry_failed",)"),
               line);
    BOOST_TEST(line.back() == '\n');
    BOOST_TEST(std::count(line.begin(), line.end(), '\n') == 1);
    BOOST_TEST(line.find('\x1b') == std::string::npos);
    const json::object o = json::parse(line).as_object();
    BOOST_TEST(o.at("entry").as_string() == "tenant \"7\"");
    BOOST_TEST(o.at("status").as_int64() == 502);
    BOOST_TEST(o.at("rate").as_double() == 12.5);
    BOOST_TEST(o.at("absent").is_null());
    BOOST_TEST(std::string(o.at("message").as_string()).find("\xef\xbf\xbd") != std::string::npos);
    BOOST_TEST(line.find(R"("rate":12.5)") != std::string::npos, line);

    // Text: key=value, quoted when needed, control characters escaped, null left out.
    std::ostringstream text_out;
    cli::logger text_log(text_out, cli::log_format::text, cli::log_level::warn, fixed_time);
    text_log.log(cli::log_level::info, "hidden");  // below the threshold
    text_log.log(cli::log_level::warn, "entry_failed",
                 {{"entry", "tenant 7"},
                  {"status", 502},
                  {"request_id", "abc123"},
                  {"absent", nullptr},
                  {"message", "a \"b\"\n\x1b[2J\xc2\x9b"}});
    BOOST_TEST(text_out.str() ==
               "salvo: warn: entry_failed entry=\"tenant 7\" status=502 request_id=abc123 "
               "message=\"a \\\"b\\\"\\n\\x1b[2J\\u009b\"\n");

    // Secrets are scrubbed from every string field.
    platform::redactor secrets;
    secrets.add("topsecret-value-1");
    std::ostringstream scrubbed_out;
    cli::logger scrubbed(scrubbed_out, cli::log_format::json, cli::log_level::debug, fixed_time);
    scrubbed.redact_with(&secrets);
    scrubbed.log(cli::log_level::debug, "x",
                 {{"message", "it was topsecret-value-1"}, {"entry", "topsecret-value-1"}});
    BOOST_TEST(scrubbed_out.str().find("topsecret") == std::string::npos, scrubbed_out.str());
    BOOST_TEST(scrubbed_out.str().find("it was ***") != std::string::npos, scrubbed_out.str());

    BOOST_TEST(cli::url_for_log("https://user:pw@api.example.com:8443/elements/api-v2?k=v#f") ==
               "https://api.example.com:8443/elements/api-v2");
    BOOST_TEST(cli::url_for_log("not a url") == "not a url");
    BOOST_TEST(cli::url_for_log("::user:pw@") == "(invalid URL)");
}

BOOST_AUTO_TEST_CASE(log_lines_go_above_the_progress_bar) {
    std::ostringstream out;
    cli::logger log(out, cli::log_format::text, cli::log_level::info, fixed_time);
    log.show_status("[##--] 2/4");
    log.log(cli::log_level::info, "reconciled", {{"entry", "a"}});
    log.show_status("[###-] 3/4");
    log.end_status("[####] 4/4");
    log.log(cli::log_level::info, "run_finished");
    BOOST_TEST(out.str() ==
               "\r[##--] 2/4\x1b[K"                         // the bar
               "\r\x1b[Ksalvo: info: reconciled entry=a\n"  // cleared, the line printed
               "\r[##--] 2/4\x1b[K"                         // the bar again below it
               "\r[###-] 3/4\x1b[K"
               "\r[####] 4/4\x1b[K\n"  // its last state, ended
               "salvo: info: run_finished\n");
}

BOOST_AUTO_TEST_CASE(provision_metrics_families) {
    provision::run_summary run;
    run.entries = 10;
    run.created = 6;
    run.existing = 3;
    run.failed = 1;
    run.create_calls = 8;
    run.reconcile_lookups = 2;
    run.reconciled = 1;
    run.seconds = 1.5;
    http::metrics_snapshot engine;
    engine.requests = 12;
    const std::string text = cli::provision_metrics(engine, run, 1);
    check_exposition_format(text);
    BOOST_TEST(sample(text, "salvo_http_requests_total") == 12);
    BOOST_TEST(sample(text, R"(salvo_provision_entries{status="created"})") == 6);
    BOOST_TEST(sample(text, R"(salvo_provision_entries{status="existing"})") == 3);
    BOOST_TEST(sample(text, R"(salvo_provision_entries{status="failed"})") == 1);
    BOOST_TEST(sample(text, "salvo_provision_reconcile_lookups_total") == 2);
    BOOST_TEST(sample(text, "salvo_provision_reconciled_total") == 1);
    BOOST_TEST(sample(text, "salvo_provision_run_seconds") == 1.5);
    BOOST_TEST(sample(text, "salvo_provision_exit_status") == 1);
    // Each family announced once.
    std::set<std::string> types;
    for (const auto& line : lines_of(text)) {
        if (line.starts_with("# TYPE ")) {
            BOOST_TEST(types.insert(line.substr(7, line.find(' ', 7) - 7)).second, line);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
