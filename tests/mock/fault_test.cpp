// Fault injection and connection handling: what a client of the mock goes through.
#include "http_probe.hpp"

#include <salvo/mock/fault_plan.hpp>
#include <salvo/mock/server.hpp>

#include <boost/asio/error.hpp>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <map>
#include <set>
#include <stdexcept>
#include <thread>

namespace json = boost::json;
namespace asio = boost::asio;
using salvo::mock::fault;
using salvo::mock::fault_plan;
using salvo::mock::fault_spec;
using salvo::mock::server;
using salvo::mock::test::http_probe;
using salvo::mock::test::instance_body;
using salvo::mock::test::reply;

namespace {

constexpr std::string_view example_spec =
    "503=0.02,429=0.01,reset-before=0.01,reset-after=0.01,502-after=0.01,slow-after=0.005";

// Four standard deviations of a binomial count, plus one for tiny rates.
double tolerance(double n, double rate) {
    return 4 * std::sqrt(n * rate * (1 - rate)) + 1;
}

std::string message_of(std::string_view spec) {
    try {
        fault_spec::parse(spec);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return {};
}

// Not "c" + std::to_string(i): g++ 12 -O3 sees a bogus overflow in it (GCC PR 105651).
std::string numbered(std::string_view prefix, int i) {
    std::string out(prefix);
    out += std::to_string(i);
    return out;
}

std::uint64_t total_with_tag(http_probe& probe, std::string_view tag) {
    reply r = probe.get("/instances?pageSize=1&tags[]=" + std::string(tag));
    return std::stoull(r.header("elements-total-count"));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(faults)

BOOST_AUTO_TEST_CASE(spec_parses_and_prints) {
    fault_spec spec = fault_spec::parse(example_spec);
    BOOST_TEST(spec.rate(fault::status_503) == 0.02);
    BOOST_TEST(spec.rate(fault::slow_after) == 0.005);
    BOOST_TEST(spec.rate(fault::get_503) == 0.0);
    BOOST_TEST(spec.to_string() == example_spec);
    BOOST_TEST(fault_spec::parse(spec.to_string()).rates == spec.rates,
               boost::test_tools::per_element());

    fault_spec other = fault_spec::parse(
        " get-503=0.5 , max-requests-per-conn=7,close=silent,slow-ms=20,retry-after=3");
    BOOST_TEST(other.rate(fault::get_503) == 0.5);
    BOOST_TEST(other.max_requests_per_conn == 7u);
    BOOST_TEST(other.silent_close);
    BOOST_TEST(other.slow_delay.count() == 20);
    BOOST_TEST(other.retry_after.count() == 3);
    BOOST_TEST(fault_spec::parse(other.to_string()).to_string() == other.to_string());

    BOOST_TEST(fault_spec::parse("").empty());
    BOOST_TEST(fault_spec::parse("none").empty());
    BOOST_TEST(fault_spec::parse("none").to_string() == "none");
}

BOOST_AUTO_TEST_CASE(bad_specs_are_clear_errors) {
    BOOST_TEST(message_of("504=0.1").find("'504=0.1': unknown fault") != std::string::npos);
    BOOST_TEST(message_of("503=1.5").find("between 0 and 1") != std::string::npos);
    BOOST_TEST(message_of("503=-0.1").find("between 0 and 1") != std::string::npos);
    BOOST_TEST(message_of("503=lots").find("'503=lots'") != std::string::npos);
    BOOST_TEST(message_of("503").find("KEY=VALUE") != std::string::npos);
    BOOST_TEST(message_of("503=0.1,,429=0.1").find("empty item") != std::string::npos);
    BOOST_TEST(message_of("503=0.1,503=0.2").find("twice") != std::string::npos);
    BOOST_TEST(message_of("503=0.6,reset-after=0.6").find("more than 1") != std::string::npos);
    BOOST_TEST(message_of("max-requests-per-conn=-1").find("integer") != std::string::npos);
    BOOST_TEST(message_of("close=sometimes").find("silent") != std::string::npos);
    BOOST_TEST(message_of(example_spec).empty());
}

BOOST_AUTO_TEST_CASE(plan_is_reproducible_and_follows_the_rates) {
    fault_spec spec = fault_spec::parse(std::string(example_spec) + ",get-429=0.1");
    fault_plan a(spec, 42), b(spec, 42), c(spec, 43);
    std::size_t differences = 0;
    std::map<fault, double> counts;
    constexpr double n = 100000;
    for (std::uint64_t i = 0; i < n; ++i) {
        BOOST_TEST_REQUIRE(a.for_create(i) == b.for_create(i));
        BOOST_TEST_REQUIRE(a.for_read(i) == b.for_read(i));
        differences += a.for_create(i) != c.for_create(i) ? 1 : 0;
        ++counts[a.for_create(i)];
        ++counts[a.for_read(i)];
    }
    BOOST_TEST(differences > 0u);
    for (fault f : salvo::mock::all_faults) {
        BOOST_TEST(std::abs(counts[f] - spec.rate(f) * n) <= tolerance(n, spec.rate(f)),
                   fault_name(f) << ": " << counts[f]);
    }
    BOOST_TEST(fault_plan(fault_spec{}, 1).for_create(0) == fault::none);
}

BOOST_AUTO_TEST_CASE(counted_faults_match_the_rates_over_2000_posts) {
    constexpr std::uint64_t seed = 2024;
    fault_spec spec = fault_spec::parse(std::string(example_spec) + ",slow-ms=1");
    server mock({.faults = spec, .seed = seed});
    mock.start();
    http_probe probe(mock.port());
    fault_plan expected(spec, seed);

    constexpr int n = 2000;
    std::map<fault, int> seen;
    for (int i = 0; i < n; ++i) {
        reply r;
        auto ec = probe.send("POST", http_probe::api("/instances"),
                             instance_body(numbered("rate-", i), "closeio", {"rates"}), r);
        fault observed = fault::none;
        if (ec) {
            BOOST_TEST_REQUIRE((ec == asio::error::connection_reset || ec == asio::error::eof ||
                                ec == boost::beast::http::error::end_of_stream),
                               ec.message());
            observed = expected.for_create(i) == fault::reset_after ? fault::reset_after
                                                                    : fault::reset_before;
        } else if (r.status == 503) {
            observed = fault::status_503;
        } else if (r.status == 429) {
            observed = fault::status_429;
            BOOST_TEST(r.header("retry-after") == "1");
        } else if (r.status == 502) {
            observed = fault::status_502_after;
        } else {
            BOOST_TEST_REQUIRE(r.status == 200u);
            observed =
                expected.for_create(i) == fault::slow_after ? fault::slow_after : fault::none;
        }
        // The client sees exactly the fault the seed planned for the i-th POST.
        BOOST_TEST_REQUIRE((observed == expected.for_create(i)), "POST #" << i);
        ++seen[observed];
    }

    auto s = mock.snapshot();
    for (fault f : {fault::status_503, fault::status_429, fault::reset_before, fault::reset_after,
                    fault::status_502_after, fault::slow_after}) {
        double rate = spec.rate(f);
        BOOST_TEST(s.count(f) == static_cast<std::uint64_t>(seen[f]), fault_name(f));
        BOOST_TEST(std::abs(seen[f] - rate * n) <= tolerance(n, rate),
                   fault_name(f) << ": " << seen[f] << " for " << rate * n << " expected");
    }
    BOOST_TEST(s.posts == static_cast<std::uint64_t>(n));
    std::uint64_t refused =
        seen[fault::status_503] + seen[fault::status_429] + seen[fault::reset_before];
    BOOST_TEST(s.creates == n - refused);
    BOOST_TEST(s.instances == n - refused);
    BOOST_TEST(total_with_tag(probe, "rates") == n - refused);
}

BOOST_AUTO_TEST_CASE(reset_after_leaves_the_instance_created) {
    server mock({.faults = fault_spec::parse("reset-after=1")});
    mock.start();
    http_probe probe(mock.port());
    reply r;
    auto ec =
        probe.send("POST", http_probe::api("/instances"),
                   instance_body("ghost", "actessentials", {"salvo-key:0123456789abcdef"}), r);
    BOOST_TEST(ec == asio::error::connection_reset, ec.message());
    BOOST_TEST(mock.snapshot().count(fault::reset_after) == 1u);
    BOOST_TEST(mock.snapshot().creates == 1u);
    // What a careful client does next: look it up by its key tag.
    reply found = probe.get("/instances?tags[]=salvo-key:0123456789abcdef");
    BOOST_TEST_REQUIRE(found.json().as_array().size() == 1u);
    BOOST_TEST(found.json().at(0).at("name").as_string() == "ghost");
}

BOOST_AUTO_TEST_CASE(reset_before_creates_nothing) {
    server mock({.faults = fault_spec::parse("reset-before=1")});
    mock.start();
    http_probe probe(mock.port());
    reply r;
    auto ec = probe.send("POST", http_probe::api("/instances"), instance_body("never"), r);
    BOOST_TEST(ec == asio::error::connection_reset, ec.message());
    BOOST_TEST(mock.snapshot().creates == 0u);
    BOOST_TEST(mock.snapshot().count(fault::reset_before) == 1u);
    BOOST_TEST(probe.get("/instances").header("elements-total-count") == "0");
}

BOOST_AUTO_TEST_CASE(bad_gateway_and_slow_answers_after_creating) {
    server mock502({.faults = fault_spec::parse("502-after=1")});
    mock502.start();
    http_probe probe(mock502.port());
    reply bad = probe.post("/instances", instance_body("created-anyway"));
    BOOST_TEST(bad.status == 502u);
    BOOST_TEST(bad.json().at("requestId").is_string());
    BOOST_TEST(mock502.snapshot().instances == 1u);

    server slow({.faults = fault_spec::parse("slow-after=1,slow-ms=5")});
    slow.start();
    http_probe patient(slow.port());
    BOOST_TEST(patient.post("/instances", instance_body("late")).status == 200u);
    BOOST_TEST(slow.snapshot().count(fault::slow_after) == 1u);
}

BOOST_AUTO_TEST_CASE(throttling_says_when_to_retry) {
    server mock({.faults = fault_spec::parse("429=1,retry-after=7")});
    mock.start();
    http_probe probe(mock.port());
    reply r = probe.post("/instances", instance_body("x"));
    BOOST_TEST(r.status == 429u);
    BOOST_TEST(r.header("retry-after") == "7");
    BOOST_TEST(mock.snapshot().instances == 0u);
    BOOST_TEST(probe.get("/instances").status == 200u);  // GETs have their own knobs
}

BOOST_AUTO_TEST_CASE(get_faults_leave_posts_alone) {
    server mock({.faults = fault_spec::parse("get-503=1")});
    mock.start();
    http_probe probe(mock.port());
    BOOST_TEST(probe.post("/instances", instance_body("x")).status == 200u);
    BOOST_TEST(probe.get("/instances").status == 503u);
    BOOST_TEST(probe.get("/instances/100001").status == 503u);

    server resets({.faults = fault_spec::parse("get-reset=1")});
    resets.start();
    http_probe other(resets.port());
    reply r;
    BOOST_TEST(other.send("GET", http_probe::api("/instances"), {}, r) ==
               asio::error::connection_reset);
    BOOST_TEST(resets.snapshot().count(fault::get_reset) == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(connections)

BOOST_AUTO_TEST_CASE(request_cap_closes_after_announcing) {
    server mock({.faults = fault_spec::parse("max-requests-per-conn=3")});
    mock.start();
    http_probe probe(mock.port());
    BOOST_TEST(probe.get("/instances").keep_alive);
    BOOST_TEST(probe.get("/instances").keep_alive);
    BOOST_TEST(!probe.get("/instances").keep_alive);  // Connection: close on the third
    BOOST_TEST(probe.wait_closed() == asio::error::eof);
    BOOST_TEST(mock.snapshot().capped_connections == 1u);
    BOOST_TEST(probe.get("/instances").status == 200u);  // on a new connection
    BOOST_TEST(probe.connects() == 2u);
}

BOOST_AUTO_TEST_CASE(request_cap_can_close_silently) {
    server mock({.faults = fault_spec::parse("max-requests-per-conn=2,close=silent")});
    mock.start();
    http_probe probe(mock.port());
    BOOST_TEST(probe.get("/instances").keep_alive);
    BOOST_TEST(probe.get("/instances").keep_alive);  // promised, yet...
    BOOST_TEST(probe.wait_closed() == asio::error::eof);
    BOOST_TEST(mock.snapshot().capped_connections == 1u);
}

BOOST_AUTO_TEST_CASE(stop_closes_open_connections) {
    server mock;
    mock.start();
    http_probe probe(mock.port());
    BOOST_TEST(probe.get("/instances").status == 200u);
    mock.stop();
    BOOST_TEST(probe.wait_closed().failed());
    mock.stop();  // idempotent
}

BOOST_AUTO_TEST_CASE(concurrent_clients_get_distinct_instances) {
    server mock({.threads = 4});
    mock.start();
    constexpr int clients = 8, each = 100;
    std::vector<std::set<std::int64_t>> ids(clients);
    std::vector<std::string> failures(clients);  // Boost.Test asserts from one thread only
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c) {
        threads.emplace_back([&, c] {
            try {
                http_probe probe(mock.port());
                for (int i = 0; i < each; ++i) {
                    reply r = probe.post(
                        "/instances", instance_body(numbered("c", c), "closeio", {"concurrent"}));
                    ids[c].insert(r.json().at("id").as_int64());
                }
            } catch (const std::exception& e) {
                failures[c] = e.what();
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    for (const auto& failure : failures) {
        BOOST_TEST(failure.empty(), failure);
    }
    std::set<std::int64_t> all;
    for (const auto& set : ids) {
        BOOST_TEST(set.size() == static_cast<std::size_t>(each));
        all.insert(set.begin(), set.end());
    }
    BOOST_TEST(all.size() == static_cast<std::size_t>(clients * each));
    BOOST_TEST(mock.snapshot().instances == static_cast<std::uint64_t>(clients * each));
    BOOST_TEST(mock.snapshot().connections == static_cast<std::uint64_t>(clients));
    BOOST_TEST(mock.snapshot().duplicates.size() == static_cast<std::size_t>(clients));
}

BOOST_AUTO_TEST_SUITE_END()
