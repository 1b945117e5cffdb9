// The instance API and its errors, against an in-process mock on 127.0.0.1.
#include "http_probe.hpp"

#include <salvo/mock/server.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <set>
#include <vector>

namespace json = boost::json;
using salvo::mock::server;
using salvo::mock::test::http_probe;
using salvo::mock::test::instance_body;
using salvo::mock::test::reply;

namespace {

std::int64_t id_of(const reply& r) {
    return r.json().at("id").as_int64();
}

// Appending, not numbered("a", i): g++ 12 -O3 sees a bogus overflow in it (GCC PR 105651).
std::string numbered(std::string_view prefix, std::int64_t i) {
    std::string out(prefix);
    out += std::to_string(i);
    return out;
}

std::string path_of(std::int64_t id) {
    return numbered("/instances/", id);
}

void check_error_body(const reply& r, unsigned status) {
    BOOST_TEST(r.status == status);
    json::value body = r.json();
    BOOST_TEST_REQUIRE(body.is_object());
    BOOST_TEST(body.as_object().size() == 2u);
    BOOST_TEST(body.at("requestId").as_string().size() == 24u);
    BOOST_TEST(!body.at("message").as_string().empty());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(api)

BOOST_AUTO_TEST_CASE(create_then_get) {
    server mock;
    mock.start();
    http_probe probe(mock.port());
    reply created = probe.post("/instances", instance_body("acme", "actessentials", {"t1", "t2"}));
    BOOST_TEST_REQUIRE(created.status == 200u);
    BOOST_TEST(created.header("content-type") == "application/json");
    json::object i = created.json().as_object();
    BOOST_TEST(i.at("id").is_int64());
    BOOST_TEST(i.at("name").as_string() == "acme");
    BOOST_TEST(i.at("token").as_string().size() >= 32u);
    std::string date(i.at("createdDate").as_string());
    BOOST_TEST_REQUIRE(date.size() == 20u);
    BOOST_TEST(date[4] == '-');
    BOOST_TEST(date[10] == 'T');
    BOOST_TEST(date[19] == 'Z');
    BOOST_TEST(i.at("element").at("key").as_string() == "actessentials");
    BOOST_TEST(i.at("element").at("id").is_int64());
    BOOST_TEST(i.at("element").at("name").as_string() == "Act! Essentials");
    BOOST_TEST(i.at("valid").as_bool());
    BOOST_TEST(!i.at("disabled").as_bool());
    BOOST_TEST(i.at("tags") == json::parse(R"(["t1", "t2"])"));

    reply got = probe.get(path_of(i.at("id").as_int64()));
    BOOST_TEST_REQUIRE(got.status == 200u);
    BOOST_TEST(got.json() == created.json());
}

BOOST_AUTO_TEST_CASE(configuration_values_are_masked) {
    server mock;
    mock.start();
    http_probe probe(mock.port());
    reply created = probe.post("/instances", instance_body("masked"));
    BOOST_TEST_REQUIRE(created.status == 200u);
    BOOST_TEST(created.body.find("secret-value") == std::string::npos);
    json::object config = created.json().at("configuration").as_object();
    BOOST_TEST(config.size() == 2u);
    for (const auto& kv : config) {
        BOOST_TEST(kv.value().as_string() == "********");
    }
    BOOST_TEST(config.contains("username"));
    reply listed = probe.get("/instances");
    BOOST_TEST(listed.body.find("secret-value") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(create_under_element_path) {
    server mock;
    mock.start();
    http_probe probe(mock.port());
    json::object body = json::parse(instance_body("sf", "sfdc")).as_object();
    body.erase("element");
    reply created = probe.post("/elements/sfdc/instances", json::serialize(body));
    BOOST_TEST_REQUIRE(created.status == 200u);
    BOOST_TEST(created.json().at("element").at("key").as_string() == "sfdc");
}

BOOST_AUTO_TEST_CASE(ids_and_tokens_are_unique) {
    server mock;
    mock.start();
    http_probe probe(mock.port());
    std::set<std::int64_t> ids;
    std::set<std::string> tokens;
    for (int i = 0; i < 50; ++i) {
        json::value v = probe.post("/instances", instance_body("same-name")).json();
        ids.insert(v.at("id").as_int64());
        tokens.insert(std::string(v.at("token").as_string()));
    }
    BOOST_TEST(ids.size() == 50u);
    BOOST_TEST(tokens.size() == 50u);
}

BOOST_AUTO_TEST_CASE(list_pages_through_a_tag) {
    server mock;
    mock.start();
    http_probe probe(mock.port());
    std::vector<std::int64_t> batch_a;
    for (int i = 0; i < 5; ++i) {
        std::string body =
            i % 2 == 0 ? instance_body(numbered("a", i), "actessentials", {"salvo-batch:a", "even"})
                       : instance_body(numbered("a", i), "actessentials", {"salvo-batch:a"});
        batch_a.push_back(id_of(probe.post("/instances", body)));
        probe.post("/instances", instance_body(numbered("b", i), "closeio", {"salvo-batch:b"}));
    }

    std::vector<std::int64_t> seen;
    std::vector<std::size_t> page_sizes;
    std::string target = "/instances?tags[]=salvo-batch:a&pageSize=2";
    for (int pages = 0; pages < 10; ++pages) {
        reply page = probe.get(target);
        BOOST_TEST_REQUIRE(page.status == 200u);
        BOOST_TEST(page.header("elements-total-count") == "5");
        json::value items = page.json();
        page_sizes.push_back(items.as_array().size());
        for (const auto& item : items.as_array()) {
            seen.push_back(item.at("id").as_int64());
            BOOST_TEST(item.at("name").as_string().starts_with("a"));
        }
        if (!page.has("elements-next-page-token")) {
            break;
        }
        target = "/instances?tags%5B%5D=salvo-batch%3Aa&pageSize=2&nextPage=" +
                 page.header("elements-next-page-token");
    }
    BOOST_TEST(page_sizes == (std::vector<std::size_t>{2, 2, 1}), boost::test_tools::per_element());
    BOOST_TEST(seen == batch_a, boost::test_tools::per_element());

    // Every given tag must match.
    reply both = probe.get("/instances?tags[]=salvo-batch:a&tags[]=even");
    BOOST_TEST(both.header("elements-total-count") == "3");
    BOOST_TEST(both.json().as_array().size() == 3u);
    BOOST_TEST(!both.has("elements-next-page-token"));
    reply none = probe.get("/instances?tags[]=salvo-batch:a&tags[]=salvo-batch:b");
    BOOST_TEST(none.header("elements-total-count") == "0");
    BOOST_TEST(none.body == "[]");
    reply all = probe.get("/instances");
    BOOST_TEST(all.header("elements-total-count") == "10");
    BOOST_TEST(all.json().as_array().size() == 10u);
}

BOOST_AUTO_TEST_CASE(page_size_is_capped_at_200) {
    server mock;
    mock.start();
    http_probe probe(mock.port());
    for (int i = 0; i < 205; ++i) {
        probe.post("/instances", instance_body(numbered("n", i), "closeio"));
    }
    reply first = probe.get("/instances?pageSize=1000");
    BOOST_TEST(first.json().as_array().size() == 200u);
    BOOST_TEST(first.header("elements-total-count") == "205");
    reply second = probe.get("/instances?nextPage=" + first.header("elements-next-page-token"));
    BOOST_TEST(second.json().as_array().size() == 5u);
    BOOST_TEST(!second.has("elements-next-page-token"));
}

BOOST_AUTO_TEST_CASE(delete_then_not_found) {
    server mock;
    mock.start();
    http_probe probe(mock.port());
    std::int64_t id = id_of(probe.post("/instances", instance_body("doomed", "closeio", {"x"})));
    reply deleted = probe.del(path_of(id));
    BOOST_TEST(deleted.status == 200u);
    check_error_body(probe.get(path_of(id)), 404);
    check_error_body(probe.del(path_of(id)), 404);
    BOOST_TEST(probe.get("/instances?tags[]=x").header("elements-total-count") == "0");
    BOOST_TEST(mock.snapshot().deletes == 1u);
    BOOST_TEST(mock.snapshot().instances == 0u);
}

BOOST_AUTO_TEST_CASE(admin_view_counts_and_resets) {
    server mock;
    mock.start();
    http_probe probe(mock.port());
    probe.post("/instances", instance_body("twice"));
    probe.post("/instances", instance_body("twice"));
    probe.post("/instances", instance_body("once"));
    probe.post("/instances", instance_body(""));  // 400: counted as a POST, not a create

    auto s = mock.snapshot();
    BOOST_TEST(s.posts == 4u);
    BOOST_TEST(s.creates == 3u);
    BOOST_TEST(s.instances == 3u);
    BOOST_TEST(s.duplicates.size() == 1u);
    BOOST_TEST(s.duplicates.at("twice") == 2u);
    BOOST_TEST(s.faults_total() == 0u);

    probe.authorization.clear();  // the admin view needs none
    reply view = probe.request("GET", "/_mock/stats");
    BOOST_TEST_REQUIRE(view.status == 200u);
    json::value v = view.json();
    BOOST_TEST(v.at("instances").to_number<std::uint64_t>() == 3u);
    BOOST_TEST(v.at("posts").to_number<std::uint64_t>() == 4u);
    BOOST_TEST(v.at("creates").to_number<std::uint64_t>() == 3u);
    BOOST_TEST(v.at("duplicates").at("twice").to_number<std::uint64_t>() == 2u);
    BOOST_TEST(v.at("faults").at("reset-after").to_number<std::uint64_t>() == 0u);
    BOOST_TEST(v.at("requests").to_number<std::uint64_t>() == 5u);

    BOOST_TEST(probe.request("POST", "/_mock/reset").status == 200u);
    BOOST_TEST(mock.snapshot().instances == 0u);
    BOOST_TEST(mock.snapshot().posts == 0u);
}

BOOST_AUTO_TEST_CASE(one_connection_serves_many_requests) {
    server mock({.threads = 4});
    mock.start();
    http_probe probe(mock.port());
    for (int i = 0; i < 20; ++i) {
        BOOST_TEST(probe.post("/instances", instance_body("k")).keep_alive);
        BOOST_TEST(probe.get("/instances").status == 200u);
    }
    BOOST_TEST(probe.connects() == 1u);
    BOOST_TEST(mock.snapshot().connections == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(errors)

BOOST_AUTO_TEST_CASE(wrong_or_missing_secrets_are_401) {
    server mock({.user_secret = "u-secret", .org_secret = "o-secret"});
    mock.start();
    http_probe probe(mock.port());
    probe.authorization.clear();
    check_error_body(probe.post("/instances", instance_body("x")), 401);
    probe.authorization = "User u-secret, Organization wrong";
    check_error_body(probe.post("/instances", instance_body("x")), 401);
    probe.authorization = "User wrong, Organization o-secret";
    check_error_body(probe.get("/instances"), 401);
    probe.authorization = "User u-secret";
    check_error_body(probe.get("/instances/100001"), 401);
    BOOST_TEST(mock.snapshot().creates == 0u);

    probe.authorization = "User u-secret, Organization o-secret";
    BOOST_TEST(probe.post("/instances", instance_body("x")).status == 200u);
}

BOOST_AUTO_TEST_CASE(bad_bodies_are_400) {
    server mock;
    mock.start();
    http_probe probe(mock.port());
    check_error_body(probe.post("/instances", R"({"name": "x", )"), 400);
    check_error_body(probe.post("/instances", "[1, 2]"), 400);

    json::object good = json::parse(instance_body("x")).as_object();
    auto without = [&](std::string_view key) {
        json::object copy = good;
        copy.erase(key);
        return json::serialize(copy);
    };
    auto with = [&](std::string_view key, json::value v) {
        json::object copy = good;
        copy[key] = std::move(v);
        return json::serialize(copy);
    };
    check_error_body(probe.post("/instances", without("element")), 400);
    check_error_body(probe.post("/instances", with("element", json::parse(R"({"key": "nope"})"))),
                     400);
    check_error_body(probe.post("/instances", without("name")), 400);
    check_error_body(probe.post("/instances", with("name", "")), 400);
    check_error_body(probe.post("/instances", with("name", 42)), 400);
    check_error_body(probe.post("/instances", without("configuration")), 400);
    check_error_body(probe.post("/instances", with("configuration", "flat")), 400);
    check_error_body(probe.post("/instances", with("tags", json::parse(R"(["ok", 1])"))), 400);
    check_error_body(probe.post("/elements/nope/instances", without("element")), 400);

    reply missing =
        probe.post("/instances", with("configuration", json::parse(R"({"username": "u"})")));
    check_error_body(missing, 400);
    BOOST_TEST(std::string(missing.json().at("message").as_string()).find("password") !=
               std::string::npos);
    BOOST_TEST(mock.snapshot().creates == 0u);
}

BOOST_AUTO_TEST_CASE(unknown_ids_and_paths_are_404) {
    server mock;
    mock.start();
    http_probe probe(mock.port());
    check_error_body(probe.get("/instances/999999999"), 404);
    check_error_body(probe.del("/instances/999999999"), 404);
    check_error_body(probe.get("/nothing-here"), 404);
    check_error_body(probe.request("GET", "/elsewhere"), 404);
    check_error_body(probe.get("/instances/abc"), 400);
}

BOOST_AUTO_TEST_CASE(wrong_method_is_405_and_wrong_media_type_415) {
    server mock;
    mock.start();
    http_probe probe(mock.port());
    reply put = probe.request("PUT", http_probe::api("/instances"), instance_body("x"));
    check_error_body(put, 405);
    BOOST_TEST(put.header("allow") == "GET, POST");
    check_error_body(probe.request("POST", http_probe::api("/instances/100001"), "{}"), 405);
    probe.content_type = "text/plain";
    check_error_body(probe.post("/instances", instance_body("x")), 415);
}

BOOST_AUTO_TEST_CASE(bad_listing_parameters_are_400) {
    server mock;
    mock.start();
    http_probe probe(mock.port());
    check_error_body(probe.get("/instances?pageSize=0"), 400);
    check_error_body(probe.get("/instances?pageSize=many"), 400);
    check_error_body(probe.get("/instances?nextPage=garbage"), 400);
}

BOOST_AUTO_TEST_SUITE_END()
