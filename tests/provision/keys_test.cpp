#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "salvo/provision/keys.hpp"
#include "support.hpp"

using namespace salvo::provision;
using salvo::provision::test::parse;

BOOST_AUTO_TEST_SUITE(entry_keys)

// Expected values computed independently with coreutils, e.g.
//   printf 'a\0b' | sha256sum   -> 59b271ae1bbcb1d31d41929817f4b16fb439eb4f31520b5ad1d5ce98920a7138
// and cut to their first 16 hex digits.
BOOST_AUTO_TEST_CASE(sha256_vectors) {
    BOOST_TEST(entry_hash("a", "b") == "59b271ae1bbcb1d3");
    // printf 'salesforce\0acme-prod' | sha256sum
    BOOST_TEST(entry_hash("salesforce", "acme-prod") == "f6816b5409abfd79");
    // printf '\0' | sha256sum
    BOOST_TEST(entry_hash("", "") == "6e340b9cffb37a98");
    // printf 'hubspot\0customer-42' | sha256sum
    BOOST_TEST(entry_hash("hubspot", "customer-42") == "bac10b2f2f5ae1bd");
    // printf 'sfdc\0caf\xc3\xa9' | sha256sum   (UTF-8 bytes hashed as they are)
    BOOST_TEST(entry_hash("sfdc", "caf\xc3\xa9") == "dbfed2b3c43e15dd");
}

BOOST_AUTO_TEST_CASE(the_separator_keeps_element_and_key_apart) {
    BOOST_TEST(entry_hash("ab", "c") != entry_hash("a", "bc"));
}

BOOST_AUTO_TEST_CASE(key_is_the_key_else_the_name) {
    const load_result r = parse(R"({"instances": [
        {"name": "acme-prod", "element": "salesforce", "configuration": {"x": "1"}},
        {"name": "renamed", "key": "customer-42", "element": "hubspot", "configuration": {}}
    ]})");
    BOOST_TEST_REQUIRE(r.ok());
    BOOST_TEST(entry_hash(r.value.entries[0]) == "f6816b5409abfd79");
    BOOST_TEST(entry_hash(r.value.entries[1]) == "bac10b2f2f5ae1bd");
}

BOOST_AUTO_TEST_CASE(stable_when_the_manifest_is_edited_or_reordered) {
    const load_result a = parse(R"({"instances": [
        {"name": "one", "element": "sfdc", "configuration": {"user": "a"}},
        {"name": "two", "element": "sfdc", "configuration": {"user": "b"}}
    ]})");
    const load_result b = parse(R"({"batch": "other", "instances": [
        {"name": "two", "element": "sfdc", "configuration": {"user": "changed"}, "tags": ["t"]},
        {"name": "one", "element": "sfdc", "configuration": {}}
    ]})");
    BOOST_TEST_REQUIRE(a.ok());
    BOOST_TEST_REQUIRE(b.ok());
    BOOST_TEST(entry_hash(a.value.entries[0]) == entry_hash(b.value.entries[1]));
    BOOST_TEST(entry_hash(a.value.entries[1]) == entry_hash(b.value.entries[0]));
}

BOOST_AUTO_TEST_CASE(tags) {
    BOOST_TEST(batch_tag("nightly") == "salvo-batch:nightly");
    BOOST_TEST(key_tag("59b271ae1bbcb1d3") == "salvo-key:59b271ae1bbcb1d3");
    BOOST_TEST(is_reserved_tag("salvo-batch:x"));
    BOOST_TEST(is_reserved_tag("salvo-key:"));
    BOOST_TEST(!is_reserved_tag("salvo"));
    BOOST_TEST(!is_reserved_tag("team:salvo-key:x"));
    BOOST_TEST(!is_reserved_tag("Salvo-Key:x"));
}

BOOST_AUTO_TEST_CASE(tags_for_an_entry) {
    entry e;
    e.name = "acme-prod";
    e.key = "acme-prod";
    e.element = "salesforce";
    e.tags = {"team:crm", "env:prod"};
    const std::vector<std::string> expected{"team:crm", "env:prod", "salvo-batch:nightly",
                                            "salvo-key:f6816b5409abfd79"};
    BOOST_TEST(tags_for(e, "nightly") == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
