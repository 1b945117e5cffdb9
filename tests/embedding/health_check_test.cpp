// salvo-health-check (apps/examples) as a subprocess: against the in-process mock (missing
// instances among thousands of ids), a scripted server (invalid, disabled, errors), wrong
// secrets and bad input.
#include <salvo/http/client.hpp>
#include <salvo/mock/server.hpp>
#include <salvo/platform/client.hpp>

#include "support/lines.hpp"
#include "support/subprocess.hpp"
#include "support/test_server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

extern char** environ;

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace salvo;
using salvo::testing::reply;
using salvo::testing::seen_request;
using salvo::testing::test_server;

using salvo::testing::lines_of;

namespace {

constexpr const char* user_secret = "health-user-secret-2718";
constexpr const char* org_secret = "health-org-secret-1618";

using testing::process_result;
using testing::read_file;
using testing::scratch;

// Runs salvo-health-check with `args`, the secrets in its environment, stdin from `input`.
process_result run_health_check(const scratch& s, const std::vector<std::string>& args,
                                const std::string& user = user_secret,
                                const std::string& org = org_secret,
                                const std::string& input = {}) {
    const fs::path in = s / "stdin";
    std::ofstream(in) << input;
    const auto env =
        testing::environment_with({"SALVO_USER_SECRET", "SALVO_ORG_SECRET"},
                                  {"SALVO_USER_SECRET=" + user, "SALVO_ORG_SECRET=" + org});
    return testing::wait_for(testing::spawn_process(SALVO_HEALTH_CHECK, args, env, s / "run", in));
}

// Creates `n` instances on the mock and deletes the one at `deleted`; returns every id.
std::vector<std::int64_t> create_instances(const mock::server& m, int n, int deleted) {
    asio::io_context io;
    http::client http(io.get_executor());
    platform::client api(http, {user_secret, org_secret}, boost::urls::url(m.base_url()));
    auto task = [&]() -> asio::awaitable<std::vector<std::int64_t>> {
        std::vector<std::int64_t> ids;
        for (int i = 0; i < n; ++i) {
            platform::instance_request req;
            req.element_key = "actessentials";
            req.name = "health " + std::to_string(i);
            req.configuration["username"] = "u";
            req.configuration["password"] = "config-secret";
            auto created = co_await api.create_instance(std::move(req));
            BOOST_REQUIRE_MESSAGE(created, (created ? "" : created.error().message));
            ids.push_back(created->id);
        }
        auto removed = co_await api.delete_instance(ids.at(static_cast<std::size_t>(deleted)));
        BOOST_REQUIRE_MESSAGE(removed, (removed ? "" : removed.error().message));
        co_return ids;
    };
    auto f = asio::co_spawn(io, task(), asio::use_future);
    io.run();
    return f.get();
}

std::unique_ptr<mock::server> start_mock() {
    mock::server_options o;
    o.user_secret = user_secret;
    o.org_secret = org_secret;
    auto m = std::make_unique<mock::server>(o);
    m->start();
    return m;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(health_check)

BOOST_AUTO_TEST_CASE(reports_missing_among_thousands) {
    auto m = start_mock();
    const auto ids = create_instances(*m, 10, 3);
    scratch s;
    std::ofstream list(s / "ids.txt");
    list << "# instances of the health batch\n";
    for (auto id : ids) {
        list << id << "\n";
    }
    list << "\n";
    const std::int64_t unknown_base = 1'000'000;
    for (std::int64_t i = 0; i < 2000; ++i) {
        list << "  " << unknown_base + i << "  \n";
    }
    list.close();

    const auto r = run_health_check(
        s, {(s / "ids.txt").string(), "--base-url", m->base_url(), "--concurrency", "64"});
    BOOST_TEST(r.status == 1, r.err);
    const auto lines = lines_of(r.out);
    BOOST_TEST_REQUIRE(lines.size() == 2001u, r.out.substr(0, 500));
    BOOST_TEST(lines.front() == std::to_string(ids[3]) + "\tmissing");
    BOOST_TEST(lines[1] == std::to_string(unknown_base) + "\tmissing");
    BOOST_TEST(lines.back() == std::to_string(unknown_base + 1999) + "\tmissing");
    BOOST_TEST(
        r.err.find("checked 2010: 9 healthy, 0 invalid, 0 disabled, 2001 missing, 0 errors") !=
            std::string::npos,
        r.err);
    BOOST_TEST(m->snapshot().requests >= 2010u);
    for (const auto& text : {r.out, r.err}) {
        BOOST_TEST(text.find(user_secret) == std::string::npos);
        BOOST_TEST(text.find(org_secret) == std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(all_healthy_from_stdin) {
    auto m = start_mock();
    const auto ids = create_instances(*m, 4, 0);
    scratch s;
    std::string input;
    for (std::size_t i = 1; i < ids.size(); ++i) {
        input += std::to_string(ids[i]) + "\n";
    }
    const auto r =
        run_health_check(s, {"--base-url", m->base_url()}, user_secret, org_secret, input);
    BOOST_TEST(r.status == 0, r.err);
    BOOST_TEST(r.out.empty(), r.out);
    BOOST_TEST(r.err.find("checked 3: 3 healthy") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(invalid_disabled_and_errors) {
    // GET /elements/api-v2/instances/{id}: 1 healthy, 2 invalid, 3 disabled, 4 both, 5 a 400.
    test_server server([](const seen_request& req) {
        const auto id = req.target.substr(req.target.rfind('/') + 1);
        const bool valid = id != "2" && id != "4";
        const bool disabled = id == "3" || id == "4";
        if (id == "5") {
            reply r;
            r.status = 400;
            r.body = R"({"requestId":"req-5","message":"Bad instance"})";
            return r;
        }
        return reply::ok(R"({"id":)" + id + R"(,"name":"tenant )" + id +
                         R"(","token":"tok","element":{"key":"actessentials"},"valid":)" +
                         (valid ? "true" : "false") + R"(,"disabled":)" +
                         (disabled ? "true" : "false") + "}");
    });
    scratch s;
    const auto r = run_health_check(s, {"--base-url", server.url("/elements/api-v2")}, user_secret,
                                    org_secret, "1\n2\n3\n4\n5\n");
    BOOST_TEST(r.status == 1, r.err);
    const auto lines = lines_of(r.out);
    BOOST_TEST_REQUIRE(lines.size() == 4u, r.out);
    BOOST_TEST(lines[0] == "2\tinvalid\ttenant 2");
    BOOST_TEST(lines[1] == "3\tdisabled\ttenant 3");
    BOOST_TEST(lines[2] == "4\tinvalid,disabled\ttenant 4");
    BOOST_TEST(lines[3].starts_with("5\terror\tget_instance: "), lines[3]);
    BOOST_TEST(lines[3].find("req-5") != std::string::npos, lines[3]);
    BOOST_TEST(r.err.find("checked 5: 1 healthy, 2 invalid, 2 disabled, 0 missing, 1 errors") !=
                   std::string::npos,
               r.err);
}

BOOST_AUTO_TEST_CASE(wrong_secrets_stop_the_run) {
    auto m = start_mock();
    const auto ids = create_instances(*m, 2, 0);
    scratch s;
    std::string input;
    for (int i = 0; i < 500; ++i) {
        input += std::to_string(ids[1]) + "\n";
    }
    const auto before = m->snapshot().requests;
    const auto r = run_health_check(s, {"--base-url", m->base_url(), "--concurrency", "4"},
                                    "not-the-user-secret", org_secret, input);
    BOOST_TEST(r.status == 3, r.err);
    BOOST_TEST(r.err.find("credentials rejected") != std::string::npos, r.err);
    BOOST_TEST(r.err.find("not-the-user-secret") == std::string::npos, r.err);
    BOOST_TEST(m->snapshot().requests - before <= 8u);  // stopped early, not 500 calls
}

BOOST_AUTO_TEST_CASE(bad_input_is_a_usage_error) {
    scratch s;
    auto r = run_health_check(s, {"--base-url", "http://127.0.0.1:1/x"}, user_secret, org_secret,
                              "12\nabc\n-4\n");
    BOOST_TEST(r.status == 2);
    BOOST_TEST(r.err.find("<stdin>:2: not an instance id: 'abc'") != std::string::npos, r.err);
    BOOST_TEST(r.err.find("<stdin>:3: not an instance id: '-4'") != std::string::npos, r.err);

    r = run_health_check(s, {"--concurrency", "0"});
    BOOST_TEST(r.status == 2);
    r = run_health_check(s, {(s / "no-such-file").string()});
    BOOST_TEST(r.status == 2);
    BOOST_TEST(r.err.find("cannot open") != std::string::npos, r.err);
    r = run_health_check(s, {"--base-url", "http://127.0.0.1:1/x"}, "", "");
    BOOST_TEST(r.status == 2);
    BOOST_TEST(r.err.find("SALVO_USER_SECRET") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_SUITE_END()
