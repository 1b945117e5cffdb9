#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>
#include <boost/test/unit_test.hpp>

#include "salvo/provision/results.hpp"
#include "support.hpp"

namespace salvo::provision {
// Lets Boost.Test print records it compares.
std::ostream& operator<<(std::ostream& out, const result_record& r) {
    return out << format_result_line(r);
}
}  // namespace salvo::provision

using namespace salvo::provision;
using salvo::provision::test::temp_dir;
namespace fs = std::filesystem;

namespace {

result_record created(std::string name, std::int64_t id) {
    result_record r;
    r.name = name;
    r.key = name;
    r.element = "salesforce";
    r.status = result_status::created;
    r.id = id;
    r.token = "token-" + std::to_string(id);
    r.attempts = 1;
    return r;
}

result_record failed(std::string name) {
    result_record r;
    r.name = name;
    r.key = "k-" + name;
    r.element = "hubspot";
    r.status = result_status::failed;
    r.attempts = 5;
    r.error = result_error{400, "Invalid configuration", "5f1d-req"};
    return r;
}

std::string read_all(const fs::path& path) {
    std::ifstream in(path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

unsigned mode_of(const fs::path& path) {
    struct stat info {};
    BOOST_REQUIRE(::stat(path.c_str(), &info) == 0);
    return info.st_mode & 07777;
}

std::vector<fs::path> files_in(const fs::path& dir) {
    std::vector<fs::path> out;
    for (const auto& item : fs::directory_iterator(dir)) {
        out.push_back(item.path().filename());
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(results_io)

BOOST_AUTO_TEST_CASE(record_json_shape) {
    BOOST_TEST(format_result_line(created("acme", 42)) ==
               R"({"name":"acme","key":"acme","element":"salesforce","status":"created","id":42,)"
               R"("token":"token-42","attempts":1})"
               "\n");
    BOOST_TEST(format_result_line(failed("b")) ==
               R"({"name":"b","key":"k-b","element":"hubspot","status":"failed","id":null,)"
               R"("token":null,"attempts":5,"error":{"status":400,)"
               R"("message":"Invalid configuration","requestId":"5f1d-req"}})"
               "\n");
    result_record transport = failed("c");
    transport.error = result_error{std::nullopt, "connection refused", std::nullopt};
    BOOST_TEST(format_result_line(transport).find(
                   R"("error":{"status":null,"message":"connection refused","requestId":null})") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(lines_are_what_boost_json_writes) {
    result_record odd = failed("quote \" backslash \\ slash / tab \t");
    constexpr char controls[] = "nul \0 bell \x07 unit \x1f del \x7f";
    odd.key = std::string(controls, sizeof controls - 1);
    odd.element = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80";
    odd.id = -9223372036854775807LL - 1;
    odd.token = "tok\r\n\b\f";
    odd.attempts = 2147483647;
    odd.error = result_error{-1, "line one\nline \"two\"", std::string("req\x01")};
    result_record no_request = failed("n");
    no_request.error = result_error{std::nullopt, "", std::nullopt};
    result_record empty;
    for (const result_record& r : {created("a", 1), failed("b"), odd, no_request, empty}) {
        const std::string line = format_result_line(r);
        BOOST_TEST(line == boost::json::serialize(boost::json::value_from(r)) + "\n");
        BOOST_TEST((boost::json::value_to<result_record>(boost::json::parse(line)) == r));
        std::string appended = "before\n";
        append_result_line(appended, r);
        BOOST_TEST(appended == "before\n" + line);
    }
}

BOOST_AUTO_TEST_CASE(records_by_position_leave_out_unhandled_entries) {
    temp_dir dir;
    const fs::path out = dir / "run.results.jsonl";
    std::vector<std::optional<result_record>> records(4);
    records[1] = created("a", 1);
    records[3] = failed("b");
    BOOST_TEST(write_entry_results_atomically(out, records) == 2u);
    BOOST_TEST(mode_of(out) == 0600u);
    BOOST_TEST(read_all(out) == format_result_line(*records[1]) + format_result_line(*records[3]));
}

BOOST_AUTO_TEST_CASE(record_round_trip) {
    result_record existing = created("x", 7);
    existing.status = result_status::existing;
    existing.attempts = 0;
    for (const result_record& r : {created("a", 1), failed("b"), existing}) {
        BOOST_TEST((boost::json::value_to<result_record>(boost::json::value_from(r)) == r));
    }
}

BOOST_AUTO_TEST_CASE(record_from_bad_json) {
    const auto to_record = [](std::string_view text) {
        return boost::json::value_to<result_record>(boost::json::parse(text));
    };
    BOOST_CHECK_THROW(to_record("[]"), std::invalid_argument);
    BOOST_CHECK_THROW(to_record(R"({"key":"a","element":"e","status":"created","attempts":1})"),
                      std::invalid_argument);
    BOOST_CHECK_THROW(
        to_record(R"({"name":"a","key":"a","element":"e","status":"done","attempts":1})"),
        std::invalid_argument);
    BOOST_CHECK_THROW(
        to_record(
            R"({"name":"a","key":"a","element":"e","status":"created","attempts":1,"id":"7"})"),
        std::invalid_argument);
    const result_record minimal =
        to_record(R"({"name":"a","key":"a","element":"e","status":"created","attempts":1})");
    BOOST_TEST(!minimal.id);
    BOOST_TEST(!minimal.token);
    BOOST_TEST(!minimal.error);
}

BOOST_AUTO_TEST_CASE(written_with_mode_0600_whatever_the_umask) {
    temp_dir dir;
    const fs::path out = dir / "run.results.jsonl";
    const mode_t old_mask = ::umask(0);  // would give 0666 to a plain open(..., 0666)
    const std::vector<result_record> records{created("a", 1), failed("b")};
    write_results_atomically(out, records);
    ::umask(old_mask);
    BOOST_TEST(mode_of(out) == 0600u);
    BOOST_TEST(read_all(out) == format_result_line(records[0]) + format_result_line(records[1]));
    BOOST_TEST((files_in(dir.path()) == std::vector<fs::path>{"run.results.jsonl"}));
}

BOOST_AUTO_TEST_CASE(replaces_atomically) {
    temp_dir dir;
    const fs::path out = dir / "r.jsonl";
    std::ofstream(out) << "old contents\n";
    fs::permissions(out, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                             fs::perms::others_read);
    struct stat before {};
    ::stat(out.c_str(), &before);
    // A stale temporary left by a killed run is replaced, not appended to.
    std::ofstream(dir / "r.jsonl.tmp") << "stale\n";

    const std::vector<result_record> records{created("a", 1)};
    write_results_atomically(out, records);
    struct stat after {};
    ::stat(out.c_str(), &after);
    BOOST_TEST(read_all(out) == format_result_line(records[0]));
    BOOST_TEST(after.st_ino != before.st_ino);  // a new file renamed over, not rewritten in place
    BOOST_TEST(mode_of(out) == 0600u);
    BOOST_TEST((files_in(dir.path()) == std::vector<fs::path>{"r.jsonl"}));

    write_results_atomically(out, {});
    BOOST_TEST(read_all(out).empty());
}

BOOST_AUTO_TEST_CASE(large_results_file) {
    temp_dir dir;
    std::vector<result_record> records;
    for (int n = 0; n < 20'000; ++n) {
        records.push_back(created("instance-" + std::to_string(n), n));
    }
    write_results_atomically(dir / "big.jsonl", records);
    const results_file back = read_results(dir / "big.jsonl");
    BOOST_TEST(back.records == records, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(failure_under_a_regular_file_names_the_path) {
    temp_dir dir;
    std::ofstream(dir / "plain") << "x";
    const fs::path out = dir / "plain" / "results.jsonl";  // ENOTDIR, for root too
    try {
        write_results_atomically(out, std::vector<result_record>{created("a", 1)});
        BOOST_FAIL("no exception");
    } catch (const std::system_error& e) {
        BOOST_TEST(std::string(e.what()) ==
                   "cannot write results file " + out.string() + ": Not a directory");
        BOOST_TEST((e.code() == std::errc::not_a_directory));
    }
    BOOST_TEST((files_in(dir.path()) == std::vector<fs::path>{"plain"}));
}

BOOST_AUTO_TEST_CASE(failure_in_a_read_only_directory_leaves_nothing) {
    if (::geteuid() == 0) {
        BOOST_TEST_MESSAGE("skipped: root ignores directory permissions");
        return;
    }
    temp_dir dir;
    fs::permissions(dir.path(), fs::perms::owner_read | fs::perms::owner_exec);
    const fs::path out = dir / "results.jsonl";
    BOOST_CHECK_THROW(write_results_atomically(out, std::vector<result_record>{created("a", 1)}),
                      std::system_error);
    fs::permissions(dir.path(), fs::perms::owner_all);
    BOOST_TEST(files_in(dir.path()).empty());
}

BOOST_AUTO_TEST_CASE(a_failed_rename_removes_the_temporary_and_keeps_the_target) {
    temp_dir dir;
    const fs::path out = dir / "results.jsonl";
    fs::create_directory(out);  // rename(file, directory) fails: EISDIR
    std::ofstream(out / "keep") << "x";
    BOOST_CHECK_THROW(write_results_atomically(out, std::vector<result_record>{created("a", 1)}),
                      std::system_error);
    BOOST_TEST((files_in(dir.path()) == std::vector<fs::path>{"results.jsonl"}));
    BOOST_TEST(fs::exists(out / "keep"));
}

BOOST_AUTO_TEST_CASE(read_a_missing_file) {
    temp_dir dir;
    const results_file r = read_results(dir / "absent.jsonl");
    BOOST_TEST(!r.found);
    BOOST_TEST(r.records.empty());
}

BOOST_AUTO_TEST_CASE(read_tolerates_a_truncated_last_line) {
    temp_dir dir;
    const fs::path path = dir / "r.jsonl";
    const std::string full = format_result_line(created("c", 3));
    std::ofstream(path) << format_result_line(created("a", 1)) << "\n"
                        << format_result_line(failed("b")) << full.substr(0, full.size() / 2);
    const results_file r = read_results(path);
    BOOST_TEST(r.found);
    BOOST_TEST_REQUIRE(r.records.size() == 2u);
    BOOST_TEST((r.records[0] == created("a", 1)));
    BOOST_TEST((r.records[1] == failed("b")));
    BOOST_TEST(r.skipped_lines == 1u);
    BOOST_TEST(r.truncated_tail);
}

BOOST_AUTO_TEST_CASE(read_skips_and_counts_lines_that_are_not_records) {
    temp_dir dir;
    const fs::path path = dir / "r.jsonl";
    std::ofstream(path) << "not json\n"
                        << R"({"name":"a"})"
                        << "\n"
                        << format_result_line(created("a", 1));
    const results_file r = read_results(path);
    BOOST_TEST(r.records.size() == 1u);
    BOOST_TEST(r.skipped_lines == 2u);
    BOOST_TEST(!r.truncated_tail);
}

BOOST_AUTO_TEST_CASE(read_an_unreadable_path_throws) {
    temp_dir dir;
    std::ofstream(dir / "plain") << "x";
    BOOST_CHECK_THROW(read_results(dir / "plain" / "r.jsonl"), std::system_error);
}

BOOST_AUTO_TEST_SUITE_END()
