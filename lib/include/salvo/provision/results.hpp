#pragma once
// The results file (--out): one JSON object per manifest entry (JSONL), mode 0600, replaced
// atomically. Holds instance tokens, which are secrets.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/fwd.hpp>
#include <boost/json/value.hpp>

namespace salvo::provision {

enum class result_status { created, existing, failed };

std::string_view to_string(result_status s) noexcept;
std::optional<result_status> parse_result_status(std::string_view text) noexcept;

// Why an entry failed: the HTTP status (absent for transport failures), the platform's (or
// salvo's) message and the platform's requestId when it sent one.
struct result_error {
    std::optional<int> status;
    std::string message;
    std::optional<std::string> request_id;

    friend bool operator==(const result_error&, const result_error&) = default;
};

// {"name","key","element","status","id","token","attempts","error"?:{"status","message",
// "requestId"}}; id and token are null when there is no instance.
struct result_record {
    std::string name;
    std::string key;
    std::string element;
    result_status status = result_status::failed;
    std::optional<std::int64_t> id;
    std::optional<std::string> token;
    int attempts = 0;
    std::optional<result_error> error;

    friend bool operator==(const result_record&, const result_record&) = default;
};

// Boost.JSON conversions (boost::json::value_from / value_to). value_to throws
// std::invalid_argument naming the field when one is missing or has the wrong type.
void tag_invoke(boost::json::value_from_tag, boost::json::value& v, const result_record& r);
result_record tag_invoke(boost::json::value_to_tag<result_record>, const boost::json::value& v);

// One line of the results file, '\n' included: the text json::serialize(json::value_from(r))
// gives, then '\n'.
std::string format_result_line(const result_record& r);
// The same appended to `out`, written directly (no json::value in between).
void append_result_line(std::string& out, const result_record& r);

// Writes `records` as JSONL to "<path>.tmp" (created 0600; a stale one from a killed run is
// replaced), fsyncs it, renames it over `path` and fsyncs the directory. On failure throws
// std::system_error naming `path` and leaves neither a partial `path` nor the temporary file.
void write_results_atomically(const std::filesystem::path& path,
                              std::span<const result_record> records);
// The same for records by entry position (a run's, as it goes), leaving out entries that have
// none yet; returns how many records the file holds.
std::size_t write_entry_results_atomically(const std::filesystem::path& path,
                                           std::span<const std::optional<result_record>> records);

// Checks before a run that write_results_atomically can create "<path>.tmp" next to `path` (the
// directory exists and takes new files), by creating and removing that file. Throws
// std::system_error naming `path` when it cannot, so a run stops before it creates anything
// whose token it could not record.
void check_results_writable(const std::filesystem::path& path);

struct results_file {
    bool found = false;  // false when the file does not exist (then nothing else is set)
    std::vector<result_record> records;
    std::size_t skipped_lines = 0;  // lines that are not a record (including a truncated tail)
    bool truncated_tail = false;    // the last line had no '\n' and was not a record
};

// Reads an earlier results file. Lines that are not a record are skipped and counted (a run
// killed mid-write leaves a truncated last line). Throws std::system_error naming `path` when
// the file exists but cannot be read.
results_file read_results(const std::filesystem::path& path);

}  // namespace salvo::provision
