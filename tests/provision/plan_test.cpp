#include <algorithm>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "salvo/provision/keys.hpp"
#include "salvo/provision/plan.hpp"

using namespace salvo::provision;

namespace {

std::vector<entry> make_entries(std::size_t count) {
    std::vector<entry> out(count);
    for (std::size_t n = 0; n < count; ++n) {
        out[n].name = "instance-" + std::to_string(n);
        out[n].key = out[n].name;
        out[n].element = "salesforce";
        out[n].index = n;
    }
    return out;
}

std::string shard_error(std::string_view text) {
    std::string error;
    const std::optional<shard> s = parse_shard(text, error);
    return s ? "ok" : error;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sharding)

BOOST_AUTO_TEST_CASE(parse_valid) {
    std::string error;
    BOOST_TEST((parse_shard("0/4", error) == shard{0, 4}));
    BOOST_TEST((parse_shard("3/4", error) == shard{3, 4}));
    BOOST_TEST((parse_shard("0/1", error) == shard{0, 1}));
    BOOST_TEST((parse_shard("07/10", error) == shard{7, 10}));
    BOOST_TEST((parse_shard("999999/1000000", error) == shard{999'999, 1'000'000}));
}

BOOST_AUTO_TEST_CASE(parse_invalid_with_clear_errors) {
    BOOST_TEST(shard_error("4/4") ==
               "--shard 4/4: K must be less than N (K counts from 0: the shards of 4 are 0/4 to "
               "3/4)");
    BOOST_TEST(shard_error("1/0") == "--shard 1/0: N must be between 1 and 1000000");
    BOOST_TEST(shard_error("0/1000001") == "--shard 0/1000001: N must be between 1 and 1000000");
    BOOST_TEST(shard_error("4") ==
               "--shard 4: expected K/N, e.g. 0/4 (shard K of N, K counting from 0)");
    const std::string numbers = "K and N must be whole numbers, e.g. 0/4 (shard K of N, K from 0)";
    for (const char* bad : {"", "/", "a/b", "-1/4", "1/-4", "+1/4", " 1/4", "1/4 ", "1//4", "1/4/5",
                            "0x1/4", "1.0/4", "99999999999999999999999/4"}) {
        BOOST_TEST_CONTEXT(bad) {
            const std::string error = shard_error(bad);
            if (std::string_view(bad).find('/') == std::string_view::npos) {
                BOOST_TEST(error.find("expected K/N") != std::string::npos);
            } else {
                BOOST_TEST(error == "--shard " + std::string(bad) + ": " + numbers);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(hash_value_mod_n) {
    BOOST_TEST(shard_of("0000000000000007", 4) == 3u);
    BOOST_TEST(shard_of("ffffffffffffffff", 10) == 5u);  // 18446744073709551615 % 10
    BOOST_TEST(shard_of("59b271ae1bbcb1d3", 1) == 0u);
}

BOOST_AUTO_TEST_CASE(four_shards_cover_ten_thousand_entries_exactly_once) {
    const std::vector<entry> all = make_entries(10'000);
    std::vector<int> hits(all.size(), 0);
    for (std::size_t k = 0; k < 4; ++k) {
        const std::vector<entry> mine = select_shard(all, shard{k, 4});
        BOOST_TEST_CONTEXT("shard " << k) {
            BOOST_TEST(mine.size() > 2'250u);  // 2,500 expected; sd ~43
            BOOST_TEST(mine.size() < 2'750u);
            BOOST_TEST(std::is_sorted(mine.begin(), mine.end(), [](const entry& a, const entry& b) {
                return a.index < b.index;
            }));
        }
        for (const entry& e : mine) {
            ++hits[e.index];
        }
    }
    BOOST_TEST(std::all_of(hits.begin(), hits.end(), [](int h) { return h == 1; }));
}

BOOST_AUTO_TEST_CASE(membership_does_not_depend_on_order_or_other_entries) {
    std::vector<entry> all = make_entries(1'000);
    std::vector<entry> reversed(all.rbegin(), all.rend());
    for (std::size_t k = 0; k < 3; ++k) {
        std::vector<std::size_t> a;
        std::vector<std::size_t> b;
        for (const entry& e : select_shard(all, shard{k, 3})) {
            a.push_back(e.index);
        }
        for (const entry& e : select_shard(reversed, shard{k, 3})) {
            b.push_back(e.index);
        }
        std::sort(b.begin(), b.end());
        BOOST_TEST(a == b, boost::test_tools::per_element());
    }
    for (const entry& e : all) {
        BOOST_TEST(in_shard(e, shard{shard_of(entry_hash(e), 7), 7}));
    }
}

BOOST_AUTO_TEST_CASE(one_shard_is_everything) {
    BOOST_TEST(select_shard(make_entries(100), shard{0, 1}).size() == 100u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(planning)

BOOST_AUTO_TEST_CASE(split_into_existing_and_to_create) {
    const std::vector<entry> entries = make_entries(5);
    existing_index found;
    found.emplace(key_tag(entry_hash(entries[1])), existing_instance{101, "token-1"});
    found.emplace(key_tag(entry_hash(entries[3])), existing_instance{103, "token-3"});
    found.emplace(key_tag("0123456789abcdef"), existing_instance{999, "not ours"});
    found.emplace(entry_hash(entries[4]), existing_instance{104, "a bare hash is not a tag"});

    const plan p = make_plan(entries, found);
    BOOST_TEST_REQUIRE(p.existing.size() == 2u);
    BOOST_TEST(p.existing[0].entry == 1u);
    BOOST_TEST(p.existing[0].hash == entry_hash(entries[1]));
    BOOST_TEST(p.existing[0].instance.id == 101);
    BOOST_TEST(p.existing[0].instance.token == "token-1");
    BOOST_TEST(p.existing[1].entry == 3u);
    BOOST_TEST(p.existing[1].instance.id == 103);
    BOOST_TEST_REQUIRE(p.to_create.size() == 3u);
    BOOST_TEST(p.to_create[0].entry == 0u);
    BOOST_TEST(p.to_create[1].entry == 2u);
    BOOST_TEST(p.to_create[2].entry == 4u);
    BOOST_TEST(p.to_create[2].hash == entry_hash(entries[4]));

    // The runner's form, with the hashes it already holds, plans the same.
    std::vector<std::string> hashes;
    for (const entry& e : entries) {
        hashes.push_back(entry_hash(e));
    }
    const plan q = make_plan(entries, hashes, found);
    BOOST_TEST_REQUIRE(q.existing.size() == p.existing.size());
    BOOST_TEST_REQUIRE(q.to_create.size() == p.to_create.size());
    for (std::size_t i = 0; i < p.existing.size(); ++i) {
        BOOST_TEST(q.existing[i].entry == p.existing[i].entry);
        BOOST_TEST(q.existing[i].hash == p.existing[i].hash);
        BOOST_TEST(q.existing[i].instance.id == p.existing[i].instance.id);
    }
    for (std::size_t i = 0; i < p.to_create.size(); ++i) {
        BOOST_TEST(q.to_create[i].entry == p.to_create[i].entry);
        BOOST_TEST(q.to_create[i].hash == p.to_create[i].hash);
    }
}

BOOST_AUTO_TEST_CASE(nothing_found_means_everything_to_create) {
    const std::vector<entry> entries = make_entries(10);
    const plan p = make_plan(entries, {});
    BOOST_TEST(p.existing.empty());
    BOOST_TEST(p.to_create.size() == 10u);
}

BOOST_AUTO_TEST_CASE(the_same_key_under_another_element_is_not_adopted) {
    std::vector<entry> entries = make_entries(1);
    existing_index found;
    found.emplace(key_tag(entry_hash("hubspot", entries[0].key)), existing_instance{1, "t"});
    BOOST_TEST(make_plan(entries, found).to_create.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
