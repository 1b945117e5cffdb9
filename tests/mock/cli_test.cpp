// TLS, and salvo-mock as users run it: the command line and the executable itself.
#include "http_probe.hpp"

#include <salvo/mock/command_line.hpp>
#include <salvo/mock/server.hpp>
#include <salvo/tls/certificate.hpp>

#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

using parsed_command_line = salvo::mock::command_line;
using salvo::mock::parse_command_line;
using salvo::mock::server;
using salvo::mock::test::http_probe;
using salvo::mock::test::instance_body;
using salvo::mock::test::reply;

namespace {

parsed_command_line parse(std::vector<std::string_view> args,
                          std::map<std::string, std::string> env = {}) {
    return parse_command_line(args, [&](const char* name) -> const char* {
        auto it = env.find(name);
        return it == env.end() ? nullptr : it->second.c_str();
    });
}

std::string error_of(std::vector<std::string_view> args) {
    try {
        parse(std::move(args));
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return {};
}

// salvo-mock running as a child process, its stdout on a pipe.
struct child_process {
    pid_t pid = -1;
    int out = -1;

    explicit child_process(std::vector<std::string> args) {
        int fds[2];
        BOOST_TEST_REQUIRE(pipe(fds) == 0);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
        posix_spawn_file_actions_addclose(&actions, fds[0]);
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
        std::vector<char*> argv;
        args.insert(args.begin(), SALVO_MOCK_EXECUTABLE);
        for (auto& a : args) {
            argv.push_back(a.data());
        }
        argv.push_back(nullptr);
        int rc = posix_spawn(&pid, SALVO_MOCK_EXECUTABLE, &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        close(fds[1]);
        out = fds[0];
        BOOST_TEST_REQUIRE(rc == 0);
    }
    ~child_process() {
        if (pid > 0) {
            kill(pid, SIGKILL);
            waitpid(pid, nullptr, 0);
        }
        close(out);
    }
    std::string read_line() {
        std::string line;
        char c;
        while (read(out, &c, 1) == 1 && c != '\n') {
            line += c;
        }
        return line;
    }
    int stop(int signal) {
        kill(pid, signal);
        int status = 0;
        waitpid(pid, &status, 0);
        pid = -1;
        return status;
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(tls)

BOOST_AUTO_TEST_CASE(generated_certificate) {
    server mock({.tls = true});
    mock.start();
    BOOST_TEST(mock.base_url().starts_with("https://127.0.0.1:"));
    BOOST_TEST_REQUIRE(mock.certificate_pem().starts_with("-----BEGIN CERTIFICATE-----"));
    http_probe probe(mock.port(), mock.certificate_pem());
    reply created = probe.post("/instances", instance_body("secure"));
    BOOST_TEST_REQUIRE(created.status == 200u);
    reply got = probe.get(
        std::string("/instances/").append(std::to_string(created.json().at("id").as_int64())));
    BOOST_TEST(got.json() == created.json());
    BOOST_TEST(probe.connects() == 1u);
}

BOOST_AUTO_TEST_CASE(given_certificate_and_untrusted_clients) {
    salvo::tls::pem_pair pair = salvo::tls::make_self_signed();
    server mock(
        {.tls = true, .certificate_pem = pair.certificate, .private_key_pem = pair.private_key});
    mock.start();
    http_probe trusting(mock.port(), pair.certificate);
    BOOST_TEST(trusting.get("/instances").status == 200u);

    http_probe stranger(mock.port(), salvo::tls::make_self_signed().certificate);
    reply r;
    BOOST_TEST(stranger.send("GET", http_probe::api("/instances"), {}, r).failed());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(command_line)

BOOST_AUTO_TEST_CASE(defaults_and_environment) {
    parsed_command_line plain = parse({});
    BOOST_TEST(plain.options.host == "127.0.0.1");
    BOOST_TEST(plain.options.port == 8080u);
    BOOST_TEST(plain.options.user_secret == salvo::mock::default_user_secret);
    BOOST_TEST(plain.options.org_secret == salvo::mock::default_org_secret);
    BOOST_TEST(!plain.options.tls);
    BOOST_TEST(plain.options.faults.empty());

    parsed_command_line env = parse({}, {{"SALVO_USER_SECRET", "eu"}, {"SALVO_ORG_SECRET", "eo"}});
    BOOST_TEST(env.options.user_secret == "eu");
    BOOST_TEST(env.options.org_secret == "eo");
    parsed_command_line flags = parse({"--user-secret", "fu", "--org-secret=fo"},
                                      {{"SALVO_USER_SECRET", "eu"}, {"SALVO_ORG_SECRET", "eo"}});
    BOOST_TEST(flags.options.user_secret == "fu");
    BOOST_TEST(flags.options.org_secret == "fo");
}

BOOST_AUTO_TEST_CASE(every_flag) {
    parsed_command_line c =
        parse({"--listen", "0.0.0.0:0", "--tls", "--cert-out", "c.pem", "--faults", "503=0.5",
               "--seed", "9", "--threads", "3", "--latency", "12"});
    BOOST_TEST(c.options.host == "0.0.0.0");
    BOOST_TEST(c.options.port == 0u);
    BOOST_TEST(c.options.tls);
    BOOST_TEST(c.cert_out == "c.pem");
    BOOST_TEST(c.options.faults.rate(salvo::mock::fault::status_503) == 0.5);
    BOOST_TEST(c.options.seed == 9u);
    BOOST_TEST(c.options.threads == 3u);
    BOOST_TEST(c.options.latency.count() == 12);
    BOOST_TEST(parse({"--listen=[::1]:9000"}).options.host == "::1");
    BOOST_TEST(parse({"--listen", ":9000"}).options.host == "127.0.0.1");
    BOOST_TEST(parse({"--tls", "--cert", "a", "--key", "b"}).key_file == "b");
    BOOST_TEST(parse({"--help"}).help);
}

BOOST_AUTO_TEST_CASE(usage_errors) {
    BOOST_TEST(error_of({"--bogus"}).find("--bogus") != std::string::npos);
    BOOST_TEST(error_of({"--faults", "503=2"}).find("'503=2'") != std::string::npos);
    BOOST_TEST(error_of({"--listen", "nowhere"}).find("HOST:PORT") != std::string::npos);
    BOOST_TEST(error_of({"--listen", "h:99999"}).find("--listen") != std::string::npos);
    BOOST_TEST(error_of({"--threads", "0"}).find("--threads") != std::string::npos);
    BOOST_TEST(error_of({"--seed"}).find("missing value") != std::string::npos);
    BOOST_TEST(error_of({"--tls", "--cert", "a"}).find("--key") != std::string::npos);
    BOOST_TEST(error_of({"--cert-out", "c.pem"}).find("--tls") != std::string::npos);
    BOOST_TEST(
        error_of({"--tls", "--cert", "a", "--key", "b", "--cert-out", "c"}).find("--cert-out") !=
        std::string::npos);
}

BOOST_AUTO_TEST_CASE(executable_announces_serves_and_stops) {
    auto dir =
        std::filesystem::temp_directory_path() / ("salvo-mock-test-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    std::string cert = (dir / "mock.pem").string();
    child_process mock({"--listen", "127.0.0.1:0", "--tls", "--cert-out", cert, "--threads", "1",
                        "--faults", "get-503=1"});
    std::string line = mock.read_line();
    const std::string prefix = "listening on https://127.0.0.1:";
    BOOST_TEST_REQUIRE(line.starts_with(prefix), line);
    BOOST_TEST(line.ends_with("/elements/api-v2"));
    auto port = static_cast<std::uint16_t>(std::stoi(line.substr(prefix.size())));

    std::ifstream in(cert);
    std::stringstream pem;
    pem << in.rdbuf();
    http_probe probe(port, pem.str());
    BOOST_TEST(probe.post("/instances", instance_body("from-cli")).status == 200u);
    BOOST_TEST(probe.get("/instances").status == 503u);
    BOOST_TEST(
        probe.request("GET", "/_mock/stats").json().at("instances").to_number<std::uint64_t>() ==
        1u);

    int status = mock.stop(SIGTERM);
    BOOST_TEST(WIFEXITED(status));
    BOOST_TEST(WEXITSTATUS(status) == 0);
    std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(executable_rejects_bad_specs) {
    child_process mock({"--faults", "503=0.5,oops"});
    BOOST_TEST(mock.read_line().empty());
    int status = mock.stop(0);  // signal 0: just wait for it to exit
    BOOST_TEST(WIFEXITED(status));
    BOOST_TEST(WEXITSTATUS(status) == 2);
}

BOOST_AUTO_TEST_SUITE_END()
