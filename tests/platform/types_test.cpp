// The platform's types, their JSON forms, redaction and the result type: no I/O.
#include <salvo/platform/redactor.hpp>
#include <salvo/platform/result.hpp>
#include <salvo/platform/types.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

namespace json = boost::json;
namespace platform = salvo::platform;
using namespace std::chrono_literals;

namespace {

// An instance as the platform sends it, extra fields included.
json::value platform_instance() {
    return json::parse(R"({"id": 100001, "name": "acme", "token": "tok-SECRET-0123456789",
        "createdDate": "2024-05-01T12:34:56Z",
        "element": {"id": 4114, "key": "actessentials", "name": "Act! Essentials", "active": true},
        "valid": true, "disabled": false, "eventsEnabled": false,
        "tags": ["salvo-batch:demo", "team:a"],
        "configuration": {"username": "********", "password": "********"}})");
}

// The message of the invalid_field that reading `jv` as an instance throws.
std::string problem_reading(const json::value& jv) {
    try {
        (void)json::value_to<platform::instance>(jv);
    } catch (const platform::invalid_field& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(types)

BOOST_AUTO_TEST_CASE(instance_reads_the_platform_json) {
    const auto i = json::value_to<platform::instance>(platform_instance());
    BOOST_TEST(i.id == 100001);
    BOOST_TEST(i.name == "acme");
    BOOST_TEST(i.token == "tok-SECRET-0123456789");
    BOOST_TEST(i.created_date == "2024-05-01T12:34:56Z");
    BOOST_TEST(i.element.id == 4114);
    BOOST_TEST(i.element.key == "actessentials");
    BOOST_TEST(i.element.name == "Act! Essentials");
    BOOST_TEST(i.valid);
    BOOST_TEST(!i.disabled);
    BOOST_TEST((i.tags == std::vector<std::string>{"salvo-batch:demo", "team:a"}));
}

BOOST_AUTO_TEST_CASE(instance_round_trips) {
    const auto i = json::value_to<platform::instance>(platform_instance());
    const json::value jv = json::value_from(i);
    BOOST_TEST(jv.at("createdDate").as_string() == "2024-05-01T12:34:56Z");
    BOOST_TEST(jv.at("token").as_string() == "tok-SECRET-0123456789");
    BOOST_TEST((json::value_to<platform::instance>(jv) == i));
}

BOOST_AUTO_TEST_CASE(optional_fields_default_and_null_counts_as_absent) {
    const auto i = json::value_to<platform::instance>(json::parse(
        R"({"id": 7, "token": "t", "name": "n", "element": {"key": "k"}, "tags": null})"));
    BOOST_TEST(i.id == 7);
    BOOST_TEST(i.tags.empty());
    BOOST_TEST(i.created_date.empty());
    BOOST_TEST(i.element.id == 0);
    BOOST_TEST(!i.valid);
}

BOOST_AUTO_TEST_CASE(missing_or_mistyped_fields_are_named) {
    auto without = [](std::string_view key) {
        json::value jv = platform_instance();
        jv.as_object().erase(key);
        return jv;
    };
    auto with = [](std::string_view key, json::value v) {
        json::value jv = platform_instance();
        jv.as_object()[key] = std::move(v);
        return jv;
    };
    BOOST_TEST(problem_reading(without("id")) == "instance.id: missing");
    BOOST_TEST(problem_reading(without("token")) == "instance.token: missing");
    BOOST_TEST(problem_reading(without("element")) == "instance.element: missing");
    BOOST_TEST(problem_reading(with("id", "100001")) == "instance.id: not an integer");
    BOOST_TEST(problem_reading(with("id", 1.5)) == "instance.id: not an integer");
    BOOST_TEST(problem_reading(with("token", 42)) == "instance.token: not a string");
    BOOST_TEST(problem_reading(with("valid", "yes")) == "instance.valid: not a boolean");
    BOOST_TEST(problem_reading(with("tags", json::array{"a", 2})) ==
               "instance.tags[1]: not a string");
    BOOST_TEST(problem_reading(with("element", json::object{{"id", 1}})) ==
               "instance.element.key: missing");
    BOOST_TEST(problem_reading(json::array{}) == "instance: not an object");
    BOOST_TEST(platform::instance_from_json(platform_instance(), "instances[3]").id == 100001);
    json::value bad = without("name");
    BOOST_CHECK_EXCEPTION(platform::instance_from_json(bad, "instances[3]"),
                          platform::invalid_field, [](const platform::invalid_field& e) {
                              return std::string_view(e.what()) == "instances[3].name: missing";
                          });
}

BOOST_AUTO_TEST_CASE(errors_never_quote_the_value) {
    json::value jv = platform_instance();
    jv.as_object()["token"] = json::array{"tok-SECRET-0123456789"};
    const std::string problem = problem_reading(jv);
    BOOST_TEST(problem == "instance.token: not a string");
}

BOOST_AUTO_TEST_CASE(request_body_has_the_platform_shape) {
    platform::instance_request r{
        "actessentials", "acme", {{"username", "u"}, {"password", "p"}}, {"t1"}};
    const json::value jv = json::value_from(r);
    BOOST_TEST(jv == json::parse(R"({"element":{"key":"actessentials"},"name":"acme",
        "configuration":{"username":"u","password":"p"},"tags":["t1"]})"));
    const auto back = json::value_to<platform::instance_request>(jv);
    BOOST_TEST(back.element_key == "actessentials");
    BOOST_TEST(back.name == "acme");
    BOOST_TEST(back.configuration == r.configuration);
    BOOST_TEST((back.tags == r.tags));
}

BOOST_AUTO_TEST_CASE(to_string_hides_tokens_and_configuration) {
    const auto i = json::value_to<platform::instance>(platform_instance());
    const std::string printed = platform::to_string(i);
    BOOST_TEST(printed.find("tok-SECRET") == std::string::npos);
    BOOST_TEST(printed.find(R"("token":"***")") != std::string::npos);
    BOOST_TEST(printed.find("acme") != std::string::npos);

    platform::instance_request r{
        "sfdc",
        "acme",
        {{"oauth.api.key", "KEY-1234567"}, {"nested", {{"deep", "DEEP-SECRET"}}}, {"port", 8443}},
        {}};
    const std::string request = platform::to_string(r);
    BOOST_TEST(request.find("KEY-1234567") == std::string::npos);
    BOOST_TEST(request.find("DEEP-SECRET") == std::string::npos);
    BOOST_TEST(request.find("8443") == std::string::npos);
    BOOST_TEST(request.find(R"("oauth.api.key":"***")") != std::string::npos);
    BOOST_TEST(request.find(R"("nested":{"deep":"***"})") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(api_error_reads_what_it_can) {
    auto e = json::value_to<platform::api_error>(
        json::parse(R"({"requestId":"abc","message":"No element","providerMessage":{"code":7}})"));
    BOOST_TEST(e.request_id == "abc");
    BOOST_TEST(e.message == "No element");
    BOOST_TEST(e.provider_message == R"({"code":7})");
    e.status = 404;
    BOOST_TEST(platform::to_string(e) ==
               R"(HTTP 404: No element (provider: {"code":7}) [requestId abc])");
    BOOST_TEST(json::value_from(e) == json::parse(R"({"status":404,"message":"No element",
        "requestId":"abc","providerMessage":"{\"code\":7}"})"));
    BOOST_TEST(json::value_to<platform::api_error>(json::parse("[1]")).message.empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(types)
BOOST_AUTO_TEST_SUITE(redaction)

BOOST_AUTO_TEST_CASE(every_secret_is_masked_longest_first) {
    const std::vector<std::string> secrets{"user-secret", "user-secret-2", ""};
    BOOST_TEST(platform::redact("a user-secret-2 b user-secret c", secrets) == "a *** b *** c");
    BOOST_TEST(platform::redact("nothing here", secrets) == "nothing here");
}

BOOST_AUTO_TEST_CASE(short_secrets_only_as_whole_words) {
    const std::vector<std::string> secrets{"p", "abc"};
    BOOST_TEST(platform::redact("password p is (abc) not abcd", secrets) ==
               "password *** is (***) not abcd");
}

BOOST_AUTO_TEST_CASE(json_escaped_forms_are_masked_too) {
    const std::vector<std::string> secrets{R"(pa"ss\word)"};
    BOOST_TEST(platform::redact(R"({"message":"bad pa\"ss\\word"})", secrets) ==
               R"({"message":"bad ***"})");
}

BOOST_AUTO_TEST_CASE(redactor_collects_configuration_values) {
    platform::redactor r;
    r.add("org-secret-value");
    r.add_values(json::object{{"password", "hunter2-long"},
                              {"list", json::array{"item-secret", 123456789}},
                              {"flag", true}});
    BOOST_TEST(r.size() == 4u);
    BOOST_TEST(r.redact("org-secret-value hunter2-long item-secret 123456789 true") ==
               "*** *** *** *** true");
    const std::vector<std::string> extra{"call-secret"};
    BOOST_TEST(r.redact("call-secret", extra) == "***");
    const platform::redactor copy = r;
    BOOST_TEST(copy.size() == 4u);
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(types)
BOOST_AUTO_TEST_SUITE(results)

BOOST_AUTO_TEST_CASE(value_or_failure) {
    platform::result<int> ok = 5;
    BOOST_TEST(ok.has_value());
    BOOST_TEST(*ok == 5);
    BOOST_TEST(ok.value() == 5);

    platform::failure f;
    f.code = platform::error::invalid_response;
    f.call = "get_instance";
    f.message = "get_instance: invalid response (HTTP 200): instance.id: missing";
    platform::result<int> bad = f;
    BOOST_TEST(!bad);
    BOOST_TEST((bad.error().code == platform::error::invalid_response));
    BOOST_CHECK_EXCEPTION(
        (void)bad.value(), platform::bad_result_access, [&](const platform::bad_result_access& e) {
            return std::string_view(e.what()) == f.message && e.failure().call == "get_instance";
        });

    platform::result<> done;
    BOOST_TEST(done.has_value());
    platform::result<> failed = f;
    BOOST_TEST(!failed.has_value());
    BOOST_TEST(std::string(platform::error_category().name()) == "salvo.platform");
}

BOOST_AUTO_TEST_CASE(delivery_and_retry_after) {
    platform::failure f;
    BOOST_TEST(f.not_sent());
    f.delivery = salvo::http::delivery::sent;
    BOOST_TEST(f.sent_without_answer());
    f.delivery = salvo::http::delivery::answered;
    f.status = 429;
    BOOST_TEST(f.answered());
    BOOST_TEST(!f.retry_after().has_value());
    f.headers.set(boost::beast::http::field::retry_after, "7");
    BOOST_TEST((f.retry_after() == std::optional<std::chrono::seconds>(7s)));
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
