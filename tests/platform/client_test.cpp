// The platform client against real sockets on 127.0.0.1: the in-process mock for the API, a
// scripted test server for answers the mock never gives (echoed secrets, broken 200s).
#include "support/run.hpp"
#include "support/test_server.hpp"

#include <salvo/http/client.hpp>
#include <salvo/mock/server.hpp>
#include <salvo/platform/client.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <boost/url/url.hpp>
#include <boost/url/url_view.hpp>

#include <mutex>
#include <string>
#include <vector>

namespace asio = boost::asio;
namespace json = boost::json;
namespace http = salvo::http;
namespace platform = salvo::platform;
using salvo::testing::reply;
using salvo::testing::run_until_done;
using salvo::testing::seen_request;
using salvo::testing::test_server;
using namespace std::chrono_literals;

namespace {

// The failure message of `r`, or nothing when it holds a value (messages of BOOST_TEST are
// evaluated whatever the outcome).
template <class T>
std::string why(const platform::result<T>& r) {
    return r.has_value() ? std::string() : r.error().message;
}

struct started_mock {
    salvo::mock::server server;
    started_mock() { server.start(); }
};

// A client of the in-process mock, with its secrets.
struct mock_fixture {
    started_mock mock;
    asio::io_context io;
    http::client http{io.get_executor()};
    platform::client api{http,
                         {std::string(salvo::mock::default_user_secret),
                          std::string(salvo::mock::default_org_secret)},
                         boost::urls::url(mock.server.base_url())};

    template <class T>
    T run(asio::awaitable<T> task) {
        return run_until_done(io, std::move(task));
    }

    platform::instance create(std::string name, std::vector<std::string> tags) {
        auto created = run(api.create_instance(
            {"actessentials", std::move(name),
             json::object{{"username", "user-value-123"}, {"password", "password-value-456"}},
             std::move(tags)}));
        BOOST_TEST_REQUIRE(created.has_value(), why(created));
        return *created;
    }
};

// A client of a scripted server.
struct scripted_fixture {
    test_server server;
    asio::io_context io;
    http::client http{io.get_executor()};
    platform::client api{http,
                         {"user-secret-AAAA", "org-secret-BBBB"},
                         boost::urls::url(server.url("/elements/api-v2"))};

    explicit scripted_fixture(salvo::testing::request_handler handler)
        : server(std::move(handler)) {}

    template <class T>
    T run(asio::awaitable<T> task) {
        return run_until_done(io, std::move(task));
    }
};

const platform::call_options once{.attempt_timeout = {}, .timeout = {}, .retry = false};

std::string instance_json(std::int64_t id, std::string_view token) {
    return json::serialize(json::object{{"id", id},
                                        {"token", token},
                                        {"name", "n"},
                                        {"element", {{"id", 1}, {"key", "k"}, {"name", "K"}}}});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(api)

BOOST_FIXTURE_TEST_CASE(create_returns_the_instance, mock_fixture) {
    const platform::instance i = create("acme", {"salvo-batch:demo", "team:a"});
    BOOST_TEST(i.id > 0);
    BOOST_TEST(i.token.size() >= 32u);
    BOOST_TEST(i.name == "acme");
    BOOST_TEST((i.tags == std::vector<std::string>{"salvo-batch:demo", "team:a"}));
    BOOST_TEST(i.element.key == "actessentials");
    BOOST_TEST(i.element.id == 4114);
    BOOST_TEST(i.valid);
    BOOST_TEST(!i.disabled);
    BOOST_TEST(i.created_date.size() == 20u);
    BOOST_TEST(mock.server.snapshot().creates == 1u);

    // The platform masks configuration values, and our printable form has neither those nor
    // the token.
    http::request raw;
    raw.url = boost::urls::url(mock.server.base_url() + "/instances/" + std::to_string(i.id));
    raw.headers.set(boost::beast::http::field::authorization,
                    "User salvo-demo-user-secret, Organization salvo-demo-org-secret");
    auto [ec, res] = run(http.async_send(std::move(raw), asio::as_tuple(asio::use_awaitable)));
    BOOST_TEST_REQUIRE(!ec);
    const json::object configuration = json::parse(res.body).at("configuration").as_object();
    BOOST_TEST(configuration.at("username").as_string() != "user-value-123");
    BOOST_TEST(configuration.at("password").as_string() != "password-value-456");
    const std::string printed = platform::to_string(i);
    BOOST_TEST(printed.find(i.token) == std::string::npos);
    BOOST_TEST(printed.find("password-value-456") == std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(listing_follows_pages, mock_fixture) {
    std::vector<std::int64_t> ids;
    for (int n = 0; n < 5; ++n) {
        ids.push_back(create("paged-" + std::to_string(n), {"salvo-batch:paged"}).id);
    }
    create("other", {"salvo-batch:other"});

    auto first = run(api.list_instances({"salvo-batch:paged"}, 2));
    BOOST_TEST_REQUIRE(first.has_value(), why(first));
    BOOST_TEST(first->instances.size() == 2u);
    BOOST_TEST((first->total == std::optional<std::uint64_t>(5)));
    BOOST_TEST_REQUIRE(!first->next_page.empty());

    std::vector<std::int64_t> seen;
    for (const auto& i : first->instances) {
        seen.push_back(i.id);
    }
    std::string next = first->next_page;
    int pages = 1;
    while (!next.empty()) {
        auto page = run(api.list_instances({"salvo-batch:paged"}, 2, next));
        BOOST_TEST_REQUIRE(page.has_value(), why(page));
        BOOST_TEST((page->total == std::optional<std::uint64_t>(5)));
        for (const auto& i : page->instances) {
            seen.push_back(i.id);
        }
        next = page->next_page;
        ++pages;
    }
    BOOST_TEST(pages == 3);
    BOOST_TEST(seen == ids, boost::test_tools::per_element());

    const auto before = mock.server.snapshot().requests;
    auto all = run(api.list_all_instances({"salvo-batch:paged"}, 2));
    BOOST_TEST_REQUIRE(all.has_value(), why(all));
    BOOST_TEST(mock.server.snapshot().requests - before == 3u);
    BOOST_TEST((all->total == std::optional<std::uint64_t>(5)));
    BOOST_TEST(all->next_page.empty());
    BOOST_TEST_REQUIRE(all->instances.size() == 5u);
    for (std::size_t n = 0; n < 5; ++n) {
        BOOST_TEST(all->instances[n].id == ids[n]);
        BOOST_TEST(!all->instances[n].token.empty());
    }

    // Two tags: only instances carrying both.
    auto none = run(api.list_all_instances({"salvo-batch:paged", "salvo-batch:other"}));
    BOOST_TEST_REQUIRE(none.has_value(), why(none));
    BOOST_TEST(none->instances.empty());
}

BOOST_FIXTURE_TEST_CASE(get_returns_what_create_returned, mock_fixture) {
    const platform::instance created = create("to-get", {"t"});
    auto got = run(api.get_instance(created.id));
    BOOST_TEST_REQUIRE(got.has_value(), why(got));
    BOOST_TEST((*got == created));
}

BOOST_FIXTURE_TEST_CASE(delete_then_get_is_404, mock_fixture) {
    const platform::instance created = create("to-delete", {});
    auto deleted = run(api.delete_instance(created.id));
    BOOST_TEST_REQUIRE(deleted.has_value(), why(deleted));
    BOOST_TEST(mock.server.snapshot().instances == 0u);

    auto got = run(api.get_instance(created.id));
    BOOST_TEST_REQUIRE(!got.has_value());
    const platform::failure& f = got.error();
    BOOST_TEST((f.code == platform::error::api_error));
    BOOST_TEST(f.answered());
    BOOST_TEST(f.status == 404u);
    BOOST_TEST_REQUIRE(f.api.has_value());
    BOOST_TEST(f.api->status == 404u);
    BOOST_TEST(f.api->request_id.size() == 24u);
    BOOST_TEST(f.message.starts_with("get_instance: HTTP 404: "), f.message);

    auto again = run(api.delete_instance(created.id));
    BOOST_TEST_REQUIRE(!again.has_value());
    BOOST_TEST(again.error().status == 404u);
}

BOOST_FIXTURE_TEST_CASE(bad_page_size_is_refused_before_sending, mock_fixture) {
    const auto before = mock.server.snapshot().requests;
    for (unsigned size : {0u, 201u}) {
        auto page = run(api.list_instances({}, size));
        BOOST_TEST_REQUIRE(!page.has_value());
        BOOST_TEST((page.error().code == platform::error::invalid_argument));
        BOOST_TEST(page.error().not_sent());
    }
    BOOST_TEST(mock.server.snapshot().requests == before);
    auto max = run(api.list_instances({}, 200));
    BOOST_TEST(max.has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(errors)

BOOST_FIXTURE_TEST_CASE(unknown_element_is_400, mock_fixture) {
    auto created = run(api.create_instance({"no-such-element", "x", {{"username", "u"}}, {}}));
    BOOST_TEST_REQUIRE(!created.has_value());
    const platform::failure& f = created.error();
    BOOST_TEST((f.code == platform::error::api_error));
    BOOST_TEST(f.call == "create_instance");
    BOOST_TEST(f.status == 400u);
    BOOST_TEST_REQUIRE(f.api.has_value());
    BOOST_TEST(!f.api->message.empty());
    BOOST_TEST(f.api->request_id.size() == 24u);
    BOOST_TEST(f.message.starts_with("create_instance: HTTP 400: "), f.message);
    BOOST_TEST(f.message.find(f.api->request_id) != std::string::npos);
    BOOST_TEST(mock.server.snapshot().creates == 0u);
}

BOOST_FIXTURE_TEST_CASE(missing_configuration_is_400, mock_fixture) {
    auto created =
        run(api.create_instance({"actessentials", "x", {{"username", "only-user-value"}}, {}}));
    BOOST_TEST_REQUIRE(!created.has_value());
    BOOST_TEST(created.error().status == 400u);
    BOOST_TEST(created.error().api->message.find("password") != std::string::npos,
               created.error().message);
}

BOOST_FIXTURE_TEST_CASE(wrong_secret_is_401_and_stays_secret, mock_fixture) {
    platform::client wrong(http, {"wrong-user-secret", "wrong-org-secret"},
                           boost::urls::url(mock.server.base_url()));
    auto page = run(wrong.list_instances({}));
    BOOST_TEST_REQUIRE(!page.has_value());
    const platform::failure& f = page.error();
    BOOST_TEST(f.status == 401u);
    BOOST_TEST((f.code == platform::error::api_error));
    BOOST_TEST(f.message.starts_with("list_instances: HTTP 401"), f.message);
    BOOST_TEST(f.message.find("wrong-user-secret") == std::string::npos);

    auto created = run(wrong.create_instance({"actessentials", "x", {}, {}}));
    BOOST_TEST_REQUIRE(!created.has_value());
    BOOST_TEST(created.error().status == 401u);
    BOOST_TEST(mock.server.snapshot().creates == 0u);
}

BOOST_FIXTURE_TEST_CASE(unknown_id_is_404, mock_fixture) {
    auto got = run(api.get_instance(999999999));
    BOOST_TEST_REQUIRE(!got.has_value());
    BOOST_TEST(got.error().status == 404u);
    BOOST_TEST(got.error().api->status == 404u);
}

BOOST_AUTO_TEST_CASE(secrets_echoed_by_the_server_are_redacted) {
    // A server that quotes the request back: Authorization header and body, in every field.
    scripted_fixture s([](const seen_request& r) {
        const std::string echoed =
            std::string(r.headers[boost::beast::http::field::authorization]) + " body " + r.body;
        reply answer;
        answer.status = 400;
        answer.body = json::serialize(json::object{{"requestId", "req-1"},
                                                   {"message", "rejected: " + echoed},
                                                   {"providerMessage", echoed}});
        return answer;
    });
    auto created = s.run(s.api.create_instance({"actessentials",
                                                "visible-name",
                                                {{"username", "config-user-value"},
                                                 {"password", R"(pa"ss\word-value)"},
                                                 {"pin", 987654321}},
                                                {"team:a"}}));
    BOOST_TEST_REQUIRE(!created.has_value());
    const platform::failure& f = created.error();
    BOOST_TEST_REQUIRE(f.api.has_value());
    const std::string printed = f.message + " | " + f.api->message + " | " +
                                f.api->provider_message + " | " + platform::to_string(*f.api);
    for (std::string_view secret : {"user-secret-AAAA", "org-secret-BBBB", "config-user-value",
                                    "pa\"ss\\word-value", "pa\\\"ss\\\\word-value", "987654321"}) {
        BOOST_TEST(printed.find(secret) == std::string::npos, secret << " in " << printed);
    }
    BOOST_TEST(printed.find("***") != std::string::npos);
    BOOST_TEST(printed.find("visible-name") != std::string::npos);  // not a secret
    BOOST_TEST(
        f.message.starts_with("create_instance: HTTP 400: rejected: User ***, Organization ***"),
        f.message);
}

BOOST_AUTO_TEST_CASE(request_carries_auth_and_path_prefix) {
    std::vector<seen_request> seen;
    std::mutex m;
    scripted_fixture s([&](const seen_request& r) {
        std::lock_guard lock(m);
        seen.push_back(r);
        return reply::ok(r.method == boost::beast::http::verb::get ? "[]" : instance_json(1, "t"));
    });
    auto page = s.run(s.api.list_instances({"salvo-batch:a b", "x&y"}, 5, "TOKEN/+="));
    BOOST_TEST_REQUIRE(page.has_value(), why(page));
    BOOST_TEST(!page->total.has_value());
    auto created = s.run(s.api.create_instance({"k", "n", {}, {}}));
    BOOST_TEST_REQUIRE(created.has_value(), why(created));

    std::lock_guard lock(m);
    BOOST_TEST_REQUIRE(seen.size() == 2u);
    // Strictly encoded: raw brackets are refused by some servers, a raw '+' read as a space.
    BOOST_TEST(seen[0].target ==
               "/elements/api-v2/instances?tags%5B%5D=salvo-batch%3Aa%20b&tags%5B%5D=x%26y"
               "&pageSize=5&nextPage=TOKEN%2F%2B%3D");
    const boost::urls::url_view target(seen[0].target);
    BOOST_TEST(target.path() == "/elements/api-v2/instances");
    std::vector<std::pair<std::string, std::string>> params;
    for (auto p : target.params()) {
        params.emplace_back(p.key, p.value);
    }
    BOOST_TEST_REQUIRE(params.size() == 4u);
    BOOST_TEST(params[0].first == "tags[]");
    BOOST_TEST(params[0].second == "salvo-batch:a b");
    BOOST_TEST(params[1].second == "x&y");
    BOOST_TEST(params[2].first == "pageSize");
    BOOST_TEST(params[2].second == "5");
    BOOST_TEST(params[3].first == "nextPage");
    BOOST_TEST(params[3].second == "TOKEN/+=");
    BOOST_TEST(seen[0].headers[boost::beast::http::field::authorization] ==
               "User user-secret-AAAA, Organization org-secret-BBBB");
    BOOST_TEST(seen[0].headers[boost::beast::http::field::accept] == "application/json");
    BOOST_TEST(seen[1].target == "/elements/api-v2/instances");
    BOOST_TEST(seen[1].headers[boost::beast::http::field::content_type] == "application/json");
    BOOST_TEST(json::parse(seen[1].body) ==
               json::parse(R"({"element":{"key":"k"},"name":"n","configuration":{},"tags":[]})"));
}

BOOST_AUTO_TEST_CASE(a_200_without_id_or_token_is_a_clear_error) {
    scripted_fixture s([](const seen_request& r) {
        if (r.target.ends_with("/instances/1")) {
            return reply::ok(R"({"token":"tok-abcdefgh","name":"n","element":{"key":"k"}})");
        }
        if (r.target.ends_with("/instances/2")) {
            return reply::ok(R"({"id":2,"name":"n","element":{"key":"k"}})");
        }
        if (r.target.ends_with("/instances/3")) {
            return reply::ok(
                R"({"id":3,"token":"tok-leaked-1234","name":7,"element":{"key":"k"}})");
        }
        if (r.target.ends_with("/instances/4")) {
            return reply::ok("<html>oops</html>");
        }
        return reply::ok("[" + instance_json(1, "a") +
                         R"(,{"id":2,"name":"n","element":{"key":"k"}}])");
    });
    auto no_id = s.run(s.api.get_instance(1));
    BOOST_TEST_REQUIRE(!no_id.has_value());
    BOOST_TEST((no_id.error().code == platform::error::invalid_response));
    BOOST_TEST(no_id.error().answered());
    BOOST_TEST(no_id.error().status == 200u);
    BOOST_TEST(no_id.error().message ==
               "get_instance: invalid response (HTTP 200): instance.id: missing");

    auto no_token = s.run(s.api.get_instance(2));
    BOOST_TEST_REQUIRE(!no_token.has_value());
    BOOST_TEST(no_token.error().message ==
               "get_instance: invalid response (HTTP 200): instance.token: missing");

    auto mistyped = s.run(s.api.get_instance(3));
    BOOST_TEST_REQUIRE(!mistyped.has_value());
    BOOST_TEST(mistyped.error().message ==
               "get_instance: invalid response (HTTP 200): instance.name: not a string");

    auto not_json = s.run(s.api.get_instance(4));
    BOOST_TEST_REQUIRE(!not_json.has_value());
    BOOST_TEST(not_json.error().message.starts_with(
                   "get_instance: invalid response (HTTP 200): body is not JSON"),
               not_json.error().message);

    auto created = s.run(s.api.create_instance({"k", "n", {}, {}}));  // answered with the list
    BOOST_TEST_REQUIRE(!created.has_value());
    BOOST_TEST(created.error().message ==
               "create_instance: invalid response (HTTP 200): instance: not an object");

    auto page = s.run(s.api.list_instances({}));
    BOOST_TEST_REQUIRE(!page.has_value());
    BOOST_TEST(page.error().message ==
               "list_instances: invalid response (HTTP 200): instances[1].token: missing");
}

BOOST_AUTO_TEST_CASE(broken_paging_headers_are_clear_errors) {
    scripted_fixture s([](const seen_request& r) {
        reply answer = reply::ok("[]");
        if (r.target.find("pageSize=1") != std::string::npos) {
            answer.headers.emplace_back("elements-total-count", "many");
        } else {
            answer.headers.emplace_back("elements-next-page-token", "same-token");
        }
        return answer;
    });
    auto bad_total = s.run(s.api.list_instances({}, 1));
    BOOST_TEST_REQUIRE(!bad_total.has_value());
    BOOST_TEST(bad_total.error().message ==
               "list_instances: invalid response (HTTP 200): elements-total-count header: not a "
               "count");
    auto loop = s.run(s.api.list_all_instances({}, 2));
    BOOST_TEST_REQUIRE(!loop.has_value());
    BOOST_TEST((loop.error().code == platform::error::invalid_response));
    BOOST_TEST(s.server.requests() == 3u);
}

BOOST_AUTO_TEST_CASE(rate_limited_answer_keeps_status_and_retry_after) {
    scripted_fixture s([](const seen_request&) {
        reply answer;
        answer.status = 429;
        answer.body = R"({"requestId":"r","message":"Too many requests"})";
        answer.headers.emplace_back("Retry-After", "7");
        return answer;
    });
    auto created = s.run(s.api.create_instance({"k", "n", {}, {}}, once));
    BOOST_TEST_REQUIRE(!created.has_value());
    const platform::failure& f = created.error();
    BOOST_TEST(f.answered());
    BOOST_TEST(f.status == 429u);
    BOOST_TEST((f.retry_after() == std::optional<std::chrono::seconds>(7s)));
    BOOST_TEST(f.api->message == "Too many requests");
}

BOOST_AUTO_TEST_CASE(non_json_error_body_uses_the_reason) {
    scripted_fixture s([](const seen_request&) {
        reply answer;
        answer.status = 502;
        answer.body = "<html>Bad Gateway</html>";
        return answer;
    });
    auto got = s.run(s.api.get_instance(1, once));
    BOOST_TEST_REQUIRE(!got.has_value());
    BOOST_TEST(got.error().status == 502u);
    BOOST_TEST(got.error().message == "get_instance: HTTP 502: Bad Gateway");
}

BOOST_AUTO_TEST_CASE(lost_connection_after_sending_is_an_unknown_outcome) {
    scripted_fixture s([](const seen_request&) { return reply::of(reply::kind::close); });
    auto created =
        s.run(s.api.create_instance({"k", "n", {{"password", "pw-secret-value"}}, {}}, once));
    BOOST_TEST_REQUIRE(!created.has_value());
    const platform::failure& f = created.error();
    BOOST_TEST(f.sent_without_answer(), f.message);
    BOOST_TEST(!f.answered());
    BOOST_TEST(f.status == 0u);
    BOOST_TEST((f.code == http::error::connection_lost), f.message);
    BOOST_TEST_MESSAGE(f.message);
    BOOST_TEST(f.message.starts_with("create_instance: "), f.message);
    BOOST_TEST(f.message.find("[sent, no answer]") != std::string::npos, f.message);
    BOOST_TEST(f.message.find("pw-secret-value") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(refused_connection_is_not_sent) {
    std::uint16_t port = 0;
    {
        test_server closed([](const seen_request&) { return reply::ok(); });
        port = closed.port();
    }
    asio::io_context io;
    http::client client(io.get_executor());
    platform::client api(
        client, {"u-secret", "o-secret"},
        boost::urls::url("http://127.0.0.1:" + std::to_string(port) + "/elements/api-v2"));
    auto got = run_until_done(io, api.get_instance(1, once));
    BOOST_TEST_REQUIRE(!got.has_value());
    BOOST_TEST(got.error().not_sent(), got.error().message);
    BOOST_TEST((got.error().code == http::error::connect_failed), got.error().message);
    BOOST_TEST_MESSAGE(got.error().message);
    BOOST_TEST(got.error().message.starts_with("get_instance: "), got.error().message);
}

BOOST_AUTO_TEST_SUITE_END()
