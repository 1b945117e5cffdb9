// Running a program of the project as a subprocess from a test: a scratch directory, the
// program's stdout/stderr captured to files, its environment given explicitly.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

extern char** environ;

namespace salvo::testing {

// A temporary directory, removed afterwards.
struct scratch {
    std::filesystem::path dir;
    explicit scratch(std::string_view prefix = "salvo-test")
        : dir(std::filesystem::temp_directory_path() /
              (std::string(prefix) + "-" + std::to_string(::getpid()) + "-" +
               std::to_string(std::random_device{}()))) {
        std::filesystem::create_directories(dir);
    }
    ~scratch() {
        std::error_code ignored;
        std::filesystem::remove_all(dir, ignored);
    }
    scratch(const scratch&) = delete;
    scratch& operator=(const scratch&) = delete;
    std::filesystem::path operator/(const std::string& name) const { return dir / name; }
};

inline std::string read_file(const std::filesystem::path& p) {
    std::ifstream f(p);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

// This process's environment without the variables named in `drop` (e.g. the secrets),
// plus `add` ("NAME=value" each).
inline std::vector<std::string> environment_with(const std::vector<std::string>& drop,
                                                 const std::vector<std::string>& add) {
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
        const std::string_view v(*e);
        bool dropped = false;
        for (const auto& name : drop) {
            dropped =
                dropped || (v.starts_with(name) && v.size() > name.size() && v[name.size()] == '=');
        }
        if (!dropped) {
            env.emplace_back(v);
        }
    }
    env.insert(env.end(), add.begin(), add.end());
    return env;
}

struct process {
    pid_t pid = -1;
    std::filesystem::path out, err;
};

struct process_result {
    int status = -1;  // exit status, or 128 + signal
    std::string out, err;
};

// Starts `program` with `args` and `env`; stdout and stderr go to `out_prefix`.out / .err,
// stdin comes from `stdin_file` when given. Throws std::system_error when it cannot start.
inline process spawn_process(const std::string& program, const std::vector<std::string>& args,
                             const std::vector<std::string>& env,
                             const std::filesystem::path& out_prefix,
                             const std::optional<std::filesystem::path>& stdin_file = {}) {
    process p;
    p.out = out_prefix.string() + ".out";
    p.err = out_prefix.string() + ".err";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (stdin_file) {
        posix_spawn_file_actions_addopen(&actions, 0, stdin_file->c_str(), O_RDONLY, 0);
    }
    posix_spawn_file_actions_addopen(&actions, 1, p.out.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    posix_spawn_file_actions_addopen(&actions, 2, p.err.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    std::vector<std::string> argv_storage{program};
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    std::vector<std::string> env_storage = env;
    std::vector<char*> argv, envp;
    for (auto& a : argv_storage) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    for (auto& e : env_storage) {
        envp.push_back(e.data());
    }
    envp.push_back(nullptr);
    const int rc =
        posix_spawn(&p.pid, program.c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        throw std::system_error(rc, std::generic_category(), "cannot start " + program);
    }
    return p;
}

inline process_result wait_for(const process& p) {
    int status = 0;
    ::waitpid(p.pid, &status, 0);
    process_result r;
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = read_file(p.out);
    r.err = read_file(p.err);
    return r;
}

}  // namespace salvo::testing
