#pragma once
// Helpers shared by the provisioning tests: an injected environment, problem texts, temp dirs.

#include <stdlib.h>

#include <filesystem>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "salvo/provision/manifest.hpp"

namespace salvo::provision::test {

// An environment holding exactly `vars`.
inline environment env_of(std::map<std::string, std::string, std::less<>> vars = {}) {
    return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
        const auto it = vars.find(name);
        if (it == vars.end()) {
            return std::nullopt;
        }
        return it->second;
    };
}

inline load_result parse(std::string_view text, std::string_view file = "manifest.json",
                         environment env = env_of()) {
    load_options options;
    options.env = std::move(env);
    return parse_manifest(text, file, options);
}

inline std::vector<std::string> texts(const load_result& r) {
    std::vector<std::string> out;
    for (const problem& p : r.problems) {
        out.push_back(to_string(p));
    }
    return out;
}

// The first problem's text, or "" (for messages of checks that expect none).
inline std::string first_problem(const load_result& r) {
    return r.problems.empty() ? std::string() : to_string(r.problems.front());
}

// A fresh directory under the system temp directory, removed with everything in it.
class temp_dir {
  public:
    temp_dir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "salvo-provision-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed");
        }
        path_ = pattern;
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::permissions(path_, std::filesystem::perms::owner_all,
                                     std::filesystem::perm_options::add, ec);
        std::filesystem::remove_all(path_, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

  private:
    std::filesystem::path path_;
};

}  // namespace salvo::provision::test
