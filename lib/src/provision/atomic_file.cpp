#include "salvo/provision/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace salvo::provision {

namespace {

// Makes the rename durable. Best effort: the new file is in place whatever happens here.
void sync_directory(const std::filesystem::path& file) {
    std::filesystem::path dir = file.parent_path();
    if (dir.empty()) {
        dir = ".";
    }
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

}  // namespace

atomic_file::atomic_file(std::filesystem::path path, mode_t mode, std::string what)
    : path_(std::move(path)), temporary_(path_), what_(std::move(what)) {
    temporary_ += ".tmp";
    const auto open_temporary = [&] {
        return ::open(temporary_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    };
    fd_ = open_temporary();
    if (fd_ < 0 && errno == EEXIST) {
        ::unlink(temporary_.c_str());
        fd_ = open_temporary();
    }
    if (fd_ < 0) {
        const int error = errno;
        throw std::system_error(error, std::generic_category(),
                                "cannot write " + what_ + " " + path_.string());
    }
    // The umask may have taken group and other bits; it may not add any to a private file.
    if ((mode & 077) == 0 && ::fchmod(fd_, mode) != 0) {
        fail(errno);
    }
}

atomic_file::~atomic_file() {
    if (fd_ >= 0) {
        ::close(fd_);
        ::unlink(temporary_.c_str());
    }
}

void atomic_file::fail(int error) {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
    ::unlink(temporary_.c_str());
    throw std::system_error(error, std::generic_category(),
                            "cannot write " + what_ + " " + path_.string());
}

void atomic_file::write(std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd_, data.data(), data.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            fail(n < 0 ? errno : EIO);
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
}

void atomic_file::commit() {
    if (::fsync(fd_) != 0) {
        fail(errno);
    }
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) {
        const int error = errno;
        ::unlink(temporary_.c_str());
        throw std::system_error(error, std::generic_category(),
                                "cannot write " + what_ + " " + path_.string());
    }
    if (::rename(temporary_.c_str(), path_.c_str()) != 0) {
        const int error = errno;
        ::unlink(temporary_.c_str());
        throw std::system_error(error, std::generic_category(),
                                "cannot write " + what_ + " " + path_.string());
    }
    sync_directory(path_);
}

}  // namespace salvo::provision
