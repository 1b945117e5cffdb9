// A file replaced whole or not at all: written to "<path>.tmp", fsynced, renamed over `path`.
// The results file and the CLI's metrics file are both written this way, so a crash, a full
// disk or a kill leaves the previous file (or none), never half of a new one.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>

namespace salvo::provision {

class atomic_file {
  public:
    // Creates "<path>.tmp" with `mode` (less the umask; 0600 is forced for secrets); one left by
    // a killed run is replaced, never opened through, so a symlink planted there is removed,
    // not followed. `what` names the file in errors ("results file", "metrics file"). Every
    // failure throws std::system_error "cannot write <what> <path>: <reason>".
    atomic_file(std::filesystem::path path, mode_t mode, std::string what);
    // Not committed: the temporary is removed and `path` stays as it was.
    ~atomic_file();
    atomic_file(const atomic_file&) = delete;
    atomic_file& operator=(const atomic_file&) = delete;

    void write(std::string_view data);
    // fsync, close, rename over `path`, then fsync the directory (best effort).
    void commit();

  private:
    [[noreturn]] void fail(int error);

    std::filesystem::path path_;
    std::filesystem::path temporary_;
    std::string what_;
    int fd_ = -1;
};

}  // namespace salvo::provision
