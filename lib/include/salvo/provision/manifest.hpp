#pragma once
// The manifest: what `salvo provision` creates. JSON or NDJSON, `${VAR}` expanded, defaults
// merged, validated in full (every problem reported at once). The format is in docs/manifest.md.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

namespace salvo::provision {

// One connector instance to create, with the defaults already merged in.
struct entry {
    std::string name;
    std::string key;  // the entry's "key", else its name: the identity behind the salvo-key tag
    std::string element;
    boost::json::object configuration;  // values are secrets: never log them
    std::vector<std::string> tags;      // the user's tags, de-duplicated, without salvo's own
    std::size_t index = 0;              // 0-based position in the manifest (instances[index])
};

struct manifest {
    std::string batch;  // "batch", else the manifest file's stem
    std::vector<entry> entries;
};

// One thing wrong with a manifest. `path` is a JSON path with 0-based indexes
// ("instances[7].configuration"), empty for the document itself. `line`/`column` (1-based) are
// set for syntax errors, and `line` for every problem of an NDJSON file.
// Never holds a configuration value.
struct problem {
    std::string file;
    std::optional<std::size_t> line;
    std::optional<std::size_t> column;
    std::string path;
    std::string message;
};

// "manifest.json:4:2: syntax error", "manifest.json: instances[7].configuration: must be an
// object", "m.ndjson:9: instances[8].name: is required".
std::string to_string(const problem& p);

// Looks up an environment variable; nullopt when it is unset.
using environment = std::function<std::optional<std::string>(std::string_view name)>;

// The process environment (getenv).
environment process_environment();

enum class manifest_format {
    detect,  // .ndjson/.jsonl: NDJSON; otherwise by content (see docs/manifest.md)
    json,
    ndjson,
};

struct load_options {
    environment env = process_environment();
    manifest_format format = manifest_format::detect;
};

// A manifest, or every problem found in it (then `value` is empty).
struct load_result {
    manifest value;
    std::vector<problem> problems;

    bool ok() const noexcept { return problems.empty(); }
};

// Reads and validates the manifest at `file`. An unreadable file is one problem, not an
// exception. Problems name the file as `file` was spelled.
load_result load_manifest(const std::filesystem::path& file, const load_options& options = {});

// The same from text already in memory; `file_name` names the source in problems and gives the
// default batch (its stem) and, with manifest_format::detect, the format (its extension).
load_result parse_manifest(std::string_view text, std::string_view file_name,
                           const load_options& options = {});

// Replaces every ${NAME} in `text` from `env`; "$${" stands for a literal "${". Returns the
// expanded text, or nullopt with `error` set ("environment variable ${NAME} is not set", ...).
// The error never quotes `text` itself.
std::optional<std::string> expand_variables(std::string_view text, const environment& env,
                                            std::string& error);

}  // namespace salvo::provision
