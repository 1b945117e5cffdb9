// A platform that answers 200 with what is not an instance: each call fails with
// platform::error::invalid_response (answered, never a crash or a half-filled instance), and the
// failure message holds no secret even when the broken body echoes one.
#include "support/run.hpp"
#include "support/test_server.hpp"

#include <salvo/http/client.hpp>
#include <salvo/platform/client.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/json/object.hpp>
#include <boost/test/unit_test.hpp>

#include <ostream>
#include <string>
#include <vector>

namespace salvo::platform {
// Printable in test assertions.
inline std::ostream& operator<<(std::ostream& os, error e) {
    return os << make_error_code(e).message();
}
}  // namespace salvo::platform

namespace asio = boost::asio;
namespace http = salvo::http;
namespace platform = salvo::platform;
using salvo::testing::reply;
using salvo::testing::run_until_done;
using salvo::testing::seen_request;
using salvo::testing::test_server;

namespace {

const platform::credentials creds{"user-secret-4711", "org-secret-0815"};

struct broken_case {
    const char* name;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers = {};
};

platform::result<platform::instance> create_against(const std::string& body) {
    test_server server([body](const seen_request&) { return reply::ok(body); });
    asio::io_context io;
    http::client engine(io.get_executor());
    platform::client api(engine, creds, boost::urls::url(server.url("/elements/api-v2")));
    platform::instance_request req;
    req.element_key = "actessentials";
    req.name = "acme";
    req.configuration["password"] = "config-secret-1234";
    return run_until_done(io, api.create_instance(std::move(req)));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(platform_answers)

BOOST_AUTO_TEST_CASE(a_200_that_is_not_an_instance_is_an_invalid_response) {
    const std::vector<broken_case> cases = {
        {"empty", ""},
        {"not JSON", "<html>502 Bad Gateway</html>"},
        {"truncated JSON", R"({"id":1,"token":"t)"},
        {"array", "[]"},
        {"null", "null"},
        {"no id", R"({"token":"tok","name":"acme","element":{"key":"actessentials"}})"},
        {"no token", R"({"id":17,"name":"acme","element":{"key":"actessentials"}})"},
        {"id as string", R"({"id":"17","token":"tok","name":"acme","element":{"key":"k"}})"},
        {"id fraction", R"({"id":1.5,"token":"tok","name":"acme","element":{"key":"k"}})"},
        {"id too big", R"({"id":1e300,"token":"tok","name":"acme","element":{"key":"k"}})"},
        {"token as number", R"({"id":17,"token":5,"name":"acme","element":{"key":"k"}})"},
        {"element not object", R"({"id":17,"token":"tok","name":"acme","element":"k"})"},
        {"deep nesting", std::string(10000, '[')},
        {"echoes secrets",
         R"({"token":"user-secret-4711 org-secret-0815 config-secret-1234","name":3})"},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT("case " << c.name) {
            auto result = create_against(c.body);
            BOOST_TEST_REQUIRE(!result.has_value());
            const auto& f = result.error();
            BOOST_TEST(f.code == platform::error::invalid_response, f.code.message()
                                                                        << ": " << f.message);
            BOOST_TEST(f.answered());
            BOOST_TEST(f.status == 200u);
            BOOST_TEST(f.message.find("create_instance") != std::string::npos, f.message);
            for (const char* secret :
                 {"user-secret-4711", "org-secret-0815", "config-secret-1234"}) {
                BOOST_TEST(f.message.find(secret) == std::string::npos, f.message);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(list_pages_with_bad_bodies_or_headers_are_invalid_responses) {
    const std::string one =
        R"([{"id":1,"token":"t","name":"a","element":{"key":"k"},"tags":["x"]}])";
    const std::vector<broken_case> cases = {
        {"object instead of array", R"({"id":1})"},
        {"an entry without token", R"([{"id":1,"name":"a","element":{"key":"k"}}])"},
        {"count not a number", one, {{"elements-total-count", "many"}}},
        {"count negative", one, {{"elements-total-count", "-1"}}},
        {"count overflow", one, {{"elements-total-count", "99999999999999999999999"}}},
        {"count empty", one, {{"elements-total-count", ""}}},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT("case " << c.name) {
            test_server server([&c](const seen_request&) {
                reply r = reply::ok(c.body);
                r.headers = c.headers;
                return r;
            });
            asio::io_context io;
            http::client engine(io.get_executor());
            platform::client api(engine, creds, boost::urls::url(server.url("/elements/api-v2")));
            auto page = run_until_done(io, api.list_instances({"salvo-batch:b"}));
            BOOST_TEST_REQUIRE(!page.has_value());
            BOOST_TEST(page.error().code == platform::error::invalid_response,
                       page.error().message);
        }
    }
}

// A server whose next-page token never changes would make list_all_instances loop forever.
BOOST_AUTO_TEST_CASE(a_repeating_page_token_ends_the_listing) {
    test_server server([](const seen_request&) {
        reply r = reply::ok("[]");
        r.headers = {{"elements-next-page-token", "same"}};
        return r;
    });
    asio::io_context io;
    http::client engine(io.get_executor());
    platform::client api(engine, creds, boost::urls::url(server.url("/elements/api-v2")));
    auto all = run_until_done(io, api.list_all_instances({"salvo-batch:b"}));
    BOOST_TEST_REQUIRE(!all.has_value());
    BOOST_TEST(all.error().code == platform::error::invalid_response, all.error().message);
    BOOST_TEST(server.requests() <= 3u);
}

// An error status with a body that is not the platform's error shape still yields an api_error.
BOOST_AUTO_TEST_CASE(error_statuses_with_garbage_bodies_are_api_errors) {
    for (const std::string body : {"", "<html/>", R"({"message":7})", "[1,2]"}) {
        BOOST_TEST_CONTEXT("body " << body) {
            test_server server([body](const seen_request&) {
                reply r = reply::ok(body);
                r.status = 400;
                return r;
            });
            asio::io_context io;
            http::client engine(io.get_executor());
            platform::client api(engine, creds, boost::urls::url(server.url("/elements/api-v2")));
            auto got = run_until_done(io, api.get_instance(5));
            BOOST_TEST_REQUIRE(!got.has_value());
            BOOST_TEST(got.error().code == platform::error::api_error, got.error().message);
            BOOST_TEST(got.error().status == 400u);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
