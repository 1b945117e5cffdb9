#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>

#include "salvo/provision/manifest.hpp"
#include "support.hpp"

using namespace salvo::provision;
using salvo::provision::test::env_of;
using salvo::provision::test::first_problem;
using salvo::provision::test::parse;
using salvo::provision::test::temp_dir;
using salvo::provision::test::texts;

namespace {

std::string config_of(const entry& e) {
    return boost::json::serialize(e.configuration);
}

// `count` entries, JSON or NDJSON, each with a small configuration.
std::string big_manifest(std::size_t count, bool ndjson) {
    std::string text;
    text.reserve(count * 120);
    if (!ndjson) {
        text +=
            R"({"batch": "big", "defaults": {"element": "sfdc", "tags": ["load"]}, "instances": [)";
        text += '\n';
    }
    for (std::size_t n = 0; n < count; ++n) {
        const std::string i = std::to_string(n);
        text += R"({"name": "instance-)" + i + R"(", "configuration": {"user": "u)" + i +
                R"(", "password": "${PASSWORD}"}, "element": "sfdc"})";
        if (!ndjson && n + 1 < count) {
            text += ',';
        }
        text += '\n';
    }
    if (!ndjson) {
        text += "]}\n";
    }
    return text;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(manifest_loading)

BOOST_AUTO_TEST_CASE(minimal_json) {
    const load_result r = parse(R"({"instances": [
        {"name": "acme", "element": "salesforce", "configuration": {"user": "u", "n": 3}}
    ]})",
                                "dir/nightly.json");
    BOOST_TEST_REQUIRE(r.ok(), first_problem(r));
    BOOST_TEST(r.value.batch == "nightly");  // the file's stem
    BOOST_TEST_REQUIRE(r.value.entries.size() == 1u);
    const entry& e = r.value.entries[0];
    BOOST_TEST(e.name == "acme");
    BOOST_TEST(e.key == "acme");  // no "key": the name
    BOOST_TEST(e.element == "salesforce");
    BOOST_TEST(config_of(e) == R"({"user":"u","n":3})");
    BOOST_TEST(e.tags.empty());
    BOOST_TEST(e.index == 0u);
}

BOOST_AUTO_TEST_CASE(explicit_batch_and_key) {
    const load_result r = parse(R"({"batch": "crm-2024", "instances": [
        {"name": "a", "key": "k-1", "element": "e", "configuration": {}},
        {"name": "b", "element": "e", "configuration": {}}
    ]})");
    BOOST_TEST_REQUIRE(r.ok());
    BOOST_TEST(r.value.batch == "crm-2024");
    BOOST_TEST(r.value.entries[0].key == "k-1");
    BOOST_TEST(r.value.entries[1].key == "b");
    BOOST_TEST(r.value.entries[1].index == 1u);
}

BOOST_AUTO_TEST_CASE(defaults_are_merged_entry_fields_win) {
    const load_result r = parse(R"({
      "defaults": {
        "element": "salesforce",
        "tags": ["team:crm", "env:prod"],
        "configuration": {"oauth.api.key": "default-key", "region": "eu", "sandbox": false}
      },
      "instances": [
        {"name": "a", "configuration": {"region": "us", "user": "ua"}},
        {"name": "b", "element": "hubspot", "tags": ["env:prod", "vip", "vip"]},
        {"name": "c", "configuration": {}, "tags": []}
      ]
    })");
    BOOST_TEST_REQUIRE(r.ok(), first_problem(r));
    const auto& es = r.value.entries;
    BOOST_TEST(es[0].element == "salesforce");
    BOOST_TEST(config_of(es[0]) ==
               R"({"region":"us","user":"ua","oauth.api.key":"default-key","sandbox":false})");
    BOOST_TEST((es[0].tags == std::vector<std::string>{"team:crm", "env:prod"}));
    BOOST_TEST(es[1].element == "hubspot");
    BOOST_TEST(config_of(es[1]) ==
               R"({"oauth.api.key":"default-key","region":"eu","sandbox":false})");
    BOOST_TEST((es[1].tags == std::vector<std::string>{"team:crm", "env:prod", "vip"}));
    BOOST_TEST(config_of(es[2]) ==
               R"({"oauth.api.key":"default-key","region":"eu","sandbox":false})");
    BOOST_TEST((es[2].tags == std::vector<std::string>{"team:crm", "env:prod"}));
    // The document is parsed into an arena that is gone once parse returns: every
    // configuration, its own or the defaults', is held in the default storage.
    for (const entry& e : es) {
        BOOST_TEST(e.configuration.storage().get() == boost::json::storage_ptr().get());
        for (const auto& member : e.configuration) {
            BOOST_TEST(member.value().storage().get() == boost::json::storage_ptr().get());
        }
    }
}

BOOST_AUTO_TEST_CASE(variables_are_expanded_in_every_string) {
    const auto env = env_of({{"USER", "alice"},
                             {"PASS", "pa$$word"},
                             {"ELEMENT", "sfdc"},
                             {"BATCH", "b7"},
                             {"EMPTY", ""},
                             {"TEAM", "crm"}});
    const load_result r = parse(R"({"batch": "run-${BATCH}", "instances": [
        {"name": "${USER}-1", "key": "k-${USER}", "element": "${ELEMENT}", "tags": ["team:${TEAM}"],
         "configuration": {"user": "${USER}", "password": "${PASS}", "n": 5,
                           "nested": {"list": ["${USER}", "x${EMPTY}y", 1]},
                           "literal": "$${USER} costs $5 and $$ too", "${USER}": "keys stay"}}
    ]})",
                                "manifest.json", env);
    BOOST_TEST_REQUIRE(r.ok(), first_problem(r));
    const entry& e = r.value.entries[0];
    BOOST_TEST(r.value.batch == "run-b7");
    BOOST_TEST(e.name == "alice-1");
    BOOST_TEST(e.key == "k-alice");
    BOOST_TEST(e.element == "sfdc");
    BOOST_TEST((e.tags == std::vector<std::string>{"team:crm"}));
    BOOST_TEST(config_of(e) ==
               R"({"user":"alice","password":"pa$$word","n":5,"nested":{"list":["alice","xy",1]},)"
               R"("literal":"${USER} costs $5 and $$ too","${USER}":"keys stay"})");
}

BOOST_AUTO_TEST_CASE(expand_variables_directly) {
    std::string error;
    const auto env = env_of({{"A", "1"}, {"B_2", "two"}});
    BOOST_TEST(expand_variables("${A}${B_2}", env, error).value() == "1two");
    BOOST_TEST(expand_variables("no variables", env, error).value() == "no variables");
    BOOST_TEST(expand_variables("$", env, error).value() == "$");
    BOOST_TEST(expand_variables("$${A}", env, error).value() == "${A}");
    BOOST_TEST(expand_variables("$$${A}", env, error).value() == "$${A}");
    BOOST_TEST(!expand_variables("${C} ${A} ${D} ${C}", env, error));
    BOOST_TEST(error == "environment variables ${C}, ${D} are not set");
}

BOOST_AUTO_TEST_CASE(ndjson_by_extension_with_blank_lines) {
    const load_result r = parse(
        "{\"name\": \"a\", \"element\": \"e\", \"configuration\": {}}\n"
        "\n"
        "   \r\n"
        "{\"name\": \"b\", \"element\": \"e\", \"configuration\": {\"k\": 1}}\r\n",
        "accounts.ndjson");
    BOOST_TEST_REQUIRE(r.ok(), first_problem(r));
    BOOST_TEST(r.value.batch == "accounts");
    BOOST_TEST_REQUIRE(r.value.entries.size() == 2u);
    BOOST_TEST(r.value.entries[1].name == "b");
    BOOST_TEST(r.value.entries[1].index == 1u);
}

BOOST_AUTO_TEST_CASE(ndjson_by_content_with_a_header) {
    const load_result r = parse(
        "{\"batch\": \"hdr\", \"defaults\": {\"element\": \"e\", \"configuration\": {\"r\": 1}}}\n"
        "{\"name\": \"a\"}\n"
        "{\"name\": \"b\", \"configuration\": {\"k\": 2}}\n",
        "accounts.txt");
    BOOST_TEST_REQUIRE(r.ok(), first_problem(r));
    BOOST_TEST(r.value.batch == "hdr");
    BOOST_TEST_REQUIRE(r.value.entries.size() == 2u);
    BOOST_TEST(r.value.entries[0].index == 0u);
    BOOST_TEST(config_of(r.value.entries[0]) == R"({"r":1})");
    BOOST_TEST(config_of(r.value.entries[1]) == R"({"k":2,"r":1})");
}

BOOST_AUTO_TEST_CASE(single_line_json_manifest_is_json) {
    const load_result r =
        parse(R"({"instances": [{"name": "a", "element": "e", "configuration": {}}]})", "m.txt");
    BOOST_TEST_REQUIRE(r.ok(), first_problem(r));
    BOOST_TEST(r.value.entries.size() == 1u);
}

BOOST_AUTO_TEST_CASE(format_can_be_forced) {
    load_options options;
    options.env = env_of();
    options.format = manifest_format::ndjson;
    const load_result r =
        parse_manifest(R"({"name": "a", "element": "e", "configuration": {}})", "m.json", options);
    BOOST_TEST_REQUIRE(r.ok(), first_problem(r));
    BOOST_TEST(r.value.entries[0].name == "a");
}

BOOST_AUTO_TEST_CASE(from_a_file_with_a_byte_order_mark) {
    temp_dir dir;
    const auto file = dir / "prod.json";
    std::ofstream(file) << "\xEF\xBB\xBF"
                        << R"({"instances": [{"name": "a", "element": "e", "configuration": {}}]})";
    load_options options;
    options.env = env_of();
    const load_result r = load_manifest(file, options);
    BOOST_TEST_REQUIRE(r.ok(), first_problem(r));
    BOOST_TEST(r.value.batch == "prod");
}

BOOST_AUTO_TEST_CASE(a_missing_file_is_a_problem) {
    temp_dir dir;
    const auto file = dir / "absent.json";
    const load_result r = load_manifest(file);
    BOOST_TEST_REQUIRE(r.problems.size() == 1u);
    BOOST_TEST(to_string(r.problems[0]) ==
               file.string() + ": cannot open: No such file or directory");
    const load_result d = load_manifest(dir.path());
    BOOST_TEST_REQUIRE(d.problems.size() == 1u);
    BOOST_TEST(to_string(d.problems[0]) == dir.path().string() + ": is a directory");
}

BOOST_AUTO_TEST_CASE(hundred_thousand_entries_json) {
    const std::string text = big_manifest(100'000, false);
    const load_result r = parse(text, "big.json", env_of({{"PASSWORD", "pw"}}));
    BOOST_TEST_REQUIRE(r.ok(), first_problem(r));
    BOOST_TEST_REQUIRE(r.value.entries.size() == 100'000u);
    const entry& last = r.value.entries.back();
    BOOST_TEST(last.name == "instance-99999");
    BOOST_TEST(last.index == 99'999u);
    BOOST_TEST(config_of(last) == R"({"user":"u99999","password":"pw"})");
    BOOST_TEST((last.tags == std::vector<std::string>{"load"}));
}

BOOST_AUTO_TEST_CASE(hundred_thousand_entries_ndjson_from_a_file) {
    temp_dir dir;
    const auto file = dir / "big.ndjson";
    std::ofstream(file) << big_manifest(100'000, true);
    load_options options;
    options.env = env_of({{"PASSWORD", "pw"}});
    const load_result r = load_manifest(file, options);
    BOOST_TEST_REQUIRE(r.ok(), first_problem(r));
    BOOST_TEST(r.value.entries.size() == 100'000u);
    BOOST_TEST(r.value.entries[54'321].name == "instance-54321");
}

BOOST_AUTO_TEST_CASE(hundred_thousand_entries_all_duplicated) {
    // Every second entry repeats the previous name: 50,000 problems, found in linear time.
    std::string text = R"({"defaults": {"element": "e", "configuration": {}}, "instances": [)";
    for (std::size_t n = 0; n < 100'000; ++n) {
        text += (n == 0 ? "" : ",");
        text += R"({"name": "n)" + std::to_string(n / 2) + "\"}";
    }
    text += "]}";
    const load_result r = parse(text);
    BOOST_TEST(r.problems.size() == 50'000u);  // one each: the name (the key is the name)
    BOOST_TEST(to_string(r.problems.back()) ==
               "manifest.json: instances[99999].name: duplicate name: the same as "
               "instances[99998].name");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(manifest_problems)

namespace {

struct bad_manifest {
    std::string what;
    std::string file;
    std::string text;
    std::vector<std::string> problems;
};

// An entry that is fine in itself.
const std::string ok = R"({"name": "ok", "element": "e", "configuration": {}})";

std::string eight_entries_the_last_with(const std::string& configuration) {
    std::string text = R"({"instances": [)";
    for (int n = 0; n < 7; ++n) {
        text +=
            R"({"name": "n)" + std::to_string(n) + R"(", "element": "e", "configuration": {}},)";
        text += '\n';
    }
    return text + R"({"name": "n7", "element": "e", "configuration": )" + configuration + "}]}";
}

const std::vector<bad_manifest> table{
    {"syntax error: line and column",
     "manifest.json",
     "{\n  \"instances\": [\n    {\"name\": \"a\",}\n  ]\n}",
     {"manifest.json:3:18: invalid JSON: syntax error"}},
    {"syntax error: column counts characters, not bytes",
     "manifest.json",
     "{\"instances\": [\n {\"name\": \"caf\xC3\xA9\" \"element\": \"e\"}]}",
     {"manifest.json:2:18: invalid JSON: syntax error"}},
    {"unexpected end",
     "manifest.json",
     "{\n  \"instances\": [",
     {"manifest.json:2:17: invalid JSON: unexpected end of input"}},
    {"data after the manifest",
     "manifest.json",
     "{\"instances\": [" + ok + "]}\n}",
     {"manifest.json:2:1: invalid JSON: more data after the end of the value"}},
    {"empty file",
     "manifest.json",
     "",
     {"manifest.json:1:1: invalid JSON: unexpected end of input"}},
    {"not an object",
     "manifest.json",
     "[1, 2]",
     {"manifest.json: must be a JSON object with \"instances\" (or NDJSON, one entry per line)"}},
    {"no instances", "manifest.json", "{}", {"manifest.json: instances: is required"}},
    {"instances not an array",
     "manifest.json",
     "{\n\"instances\": {}}",
     {"manifest.json: instances: must be an array"}},
    {"instances empty",
     "manifest.json",
     "{\n\"instances\": []}",
     {"manifest.json: instances: must not be empty"}},
    {"unknown fields",
     "manifest.json",
     "{\"instance\": [],\n \"instances\": [{\"name\": \"a\", \"element\": \"e\", "
     "\"configuration\": {}, \"tag\": [\"x\"]}]}",
     {"manifest.json: instance: unknown field (expected one of: batch, defaults, instances)",
      "manifest.json: instances[0].tag: unknown field (expected one of: name, key, element, "
      "configuration, tags)"}},
    {"configuration must be an object (the example in the design)",
     "manifest.json",
     eight_entries_the_last_with("\"user=a;password=b\""),
     {"manifest.json: instances[7].configuration: must be an object"}},
    {"wrong types",
     "manifest.json",
     "{\"batch\": 7,\n \"instances\": [{\"name\": 1, \"key\": [], \"element\": {}, "
     "\"configuration\": {}, \"tags\": \"t\"}, 5]}",
     {"manifest.json: batch: must be a string",
      "manifest.json: instances[0].name: must be a string",
      "manifest.json: instances[0].key: must be a string",
      "manifest.json: instances[0].element: must be a string",
      "manifest.json: instances[0].tags: must be an array of strings",
      "manifest.json: instances[1]: must be an object"}},
    {"empty strings",
     "manifest.json",
     "{\"batch\": \"\",\n \"instances\": [{\"name\": \"\", \"key\": \"\", \"element\": \"\", "
     "\"configuration\": {}, \"tags\": [\"\"]}]}",
     {"manifest.json: batch: must not be empty",
      "manifest.json: instances[0].name: must not be empty",
      "manifest.json: instances[0].key: must not be empty",
      "manifest.json: instances[0].element: must not be empty",
      "manifest.json: instances[0].tags[0]: must not be empty"}},
    {"missing name, element, configuration",
     "manifest.json",
     "{\n\"instances\": [{\"key\": \"k\"}]}",
     {"manifest.json: instances[0].name: is required",
      "manifest.json: instances[0].element: is required (here or in defaults.element)",
      "manifest.json: instances[0].configuration: is required (here or in "
      "defaults.configuration)"}},
    {"defaults problems",
     "manifest.json",
     "{\"defaults\": {\"element\": 3, \"tags\": [1], \"configuration\": [], \"name\": \"x\"},\n"
     " \"instances\": [{\"name\": \"a\"}]}",
     {"manifest.json: defaults.name: unknown field (expected one of: element, tags, configuration)",
      "manifest.json: defaults.element: must be a string",
      "manifest.json: defaults.tags[0]: must be a string",
      "manifest.json: defaults.configuration: must be an object"}},
    {"defaults must be an object",
     "manifest.json",
     "{\"defaults\": [],\n \"instances\": [" + ok + "]}",
     {"manifest.json: defaults: must be an object"}},
    {"reserved tag prefixes",
     "manifest.json",
     "{\"defaults\": {\"tags\": [\"salvo-key:abc\"]},\n \"instances\": [{\"name\": \"a\", "
     "\"element\": \"e\", \"configuration\": {}, \"tags\": [\"ok\", \"salvo-batch:mine\", 4]}]}",
     {"manifest.json: defaults.tags[0]: tags starting with \"salvo-key:\" are reserved: salvo "
      "adds them itself",
      "manifest.json: instances[0].tags[1]: tags starting with \"salvo-batch:\" are reserved: "
      "salvo adds them itself",
      "manifest.json: instances[0].tags[2]: must be a string"}},
    {"duplicate names and keys name both indexes",
     "manifest.json",
     "{\"defaults\": {\"element\": \"e\", \"configuration\": {}},\n \"instances\": ["
     "{\"name\": \"a\"}, {\"name\": \"b\", \"key\": \"k\"}, {\"name\": \"a\"},"
     "{\"name\": \"c\", \"key\": \"k\"}, {\"name\": \"d\", \"key\": \"b\"}, {\"name\": \"k\"}]}",
     {"manifest.json: instances[2].name: duplicate name: the same as instances[0].name",
      "manifest.json: instances[3].key: duplicate key: the same as instances[1].key (an entry "
      "without \"key\" is keyed by its name)",
      "manifest.json: instances[5].name: duplicate key: the same as instances[1].key (an entry "
      "without \"key\" is keyed by its name)"}},
    {"unset variables",
     "manifest.json",
     "{\"batch\": \"${RUN}\",\n \"instances\": [{\"name\": \"a-${USER}\", \"element\": \"e\", "
     "\"configuration\": {\"password\": \"${DB_PASSWORD}\", \"oauth.api.key\": \"${K1}${K2}\", "
     "\"list\": [\"ok\", \"${NOPE}\"]}}]}",
     {"manifest.json: batch: environment variable ${RUN} is not set",
      "manifest.json: instances[0].name: environment variable ${USER} is not set",
      "manifest.json: instances[0].configuration.password: environment variable ${DB_PASSWORD} "
      "is not set",
      "manifest.json: instances[0].configuration[\"oauth.api.key\"]: environment variables "
      "${K1}, ${K2} are not set",
      "manifest.json: instances[0].configuration.list[1]: environment variable ${NOPE} is not "
      "set"}},
    {"malformed variables",
     "manifest.json",
     "{\"instances\": [{\"name\": \"${\", \"element\": \"${1X}\", \"configuration\": {}}]}",
     {"manifest.json: instances[0].name: unterminated ${ (write $${ for a literal ${)",
      "manifest.json: instances[0].element: ${...} must hold a variable name: letters, digits and "
      "_, not starting with a digit (write $${ for a literal ${)"}},
    {"ndjson: a bad line gives its line number, later lines are still checked",
     "accounts.ndjson",
     ok + "\n\n{\"name\": \"b\", \"element\": \"e\" \"configuration\": {}}\n" +
         R"({"name": "c", "element": "e", "configuration": 5})" + "\n" + ok + "\n",
     {"accounts.ndjson:3:30: invalid JSON: syntax error",
      "accounts.ndjson:4: instances[2].configuration: must be an object",
      "accounts.ndjson:5: instances[3].name: duplicate name: the same as instances[0].name"}},
    {"ndjson: a truncated last line",
     "accounts.ndjson",
     ok + "\n{\"name\": \"b\", \"elem",
     {"accounts.ndjson:2:20: invalid JSON: unexpected end of input"}},
    {"ndjson: no entries",
     "accounts.ndjson",
     "\n\n",
     {"accounts.ndjson: has no entries (NDJSON: one JSON object per line)"}},
};

}  // namespace

BOOST_AUTO_TEST_CASE(table_of_bad_manifests) {
    for (const bad_manifest& bad : table) {
        BOOST_TEST_CONTEXT(bad.what) {
            const load_result r = parse(bad.text, bad.file);
            BOOST_TEST(!r.ok());
            BOOST_TEST(texts(r) == bad.problems, boost::test_tools::per_element());
        }
    }
}

BOOST_AUTO_TEST_CASE(all_problems_are_reported_at_once) {
    const load_result r = parse(R"({"defaults": {"element": "e"}, "instances": [
        {"name": "a", "configuration": 1},
        {"configuration": {}},
        {"name": "c", "configuration": {}, "tags": ["salvo-key:1"]},
        {"name": "a", "configuration": {"p": "${UNSET}"}}
    ]})");
    const std::vector<std::string> expected{
        "manifest.json: instances[0].configuration: must be an object",
        "manifest.json: instances[1].name: is required",
        "manifest.json: instances[2].tags[0]: tags starting with \"salvo-key:\" are reserved: "
        "salvo adds them itself",
        "manifest.json: instances[3].configuration.p: environment variable ${UNSET} is not set",
        "manifest.json: instances[3].name: duplicate name: the same as instances[0].name",
    };
    BOOST_TEST(texts(r) == expected, boost::test_tools::per_element());
    BOOST_TEST(r.value.entries.empty());  // nothing to send
}

BOOST_AUTO_TEST_CASE(no_configuration_value_in_any_problem) {
    const std::string secret = "s3cr3t-";
    const auto env = env_of({{"SECRET", secret + "env"}});
    const std::vector<std::string> manifests{
        // wrong type of a configuration holding secrets
        R"({"instances": [{"name": "a", "element": "e", "configuration": ["s3cr3t-1"]}]})",
        // a secret value beside an unset variable and other problems
        R"({"instances": [{"name": 1, "configuration": {"password": "s3cr3t-2", "k": "${SECRET}",
            "x": "${UNSET} s3cr3t-3"}}]})",
        // a malformed variable inside a secret
        R"({"instances": [{"name": "a", "element": "e", "configuration": {"p": "s3cr3t-${4"}}]})",
        R"({"instances": [{"name": "a", "element": "e", "configuration": {"p": "s3cr3t-${ 5 }"}}]})",
        // a syntax error inside a secret string
        "{\"instances\": [{\"name\": \"a\", \"configuration\": {\"p\": \"s3cr3t-6\x01\"}}]}",
        "{\"instances\": [{\"name\": \"a\", \"configuration\": {\"p\": \"s3cr3t-7",
        // defaults holding secrets, entries wrong
        R"({"defaults": {"configuration": {"p": "s3cr3t-8"}}, "instances": [{"name": "a"},
            {"name": "a"}]})",
        "{\"name\": \"a\", \"element\": \"e\", \"configuration\": {\"p\": \"s3cr3t-9\"}}\n"
        "{\"name\": \"a\", \"element\": \"e\", \"configuration\": {\"p\": \"s3cr3t-10\"}, 1}\n",
    };
    for (const std::string& text : manifests) {
        const load_result r = parse(text, "manifest.json", env);
        BOOST_TEST(!r.ok());
        for (const std::string& t : texts(r)) {
            BOOST_TEST(t.find(secret) == std::string::npos, t);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
