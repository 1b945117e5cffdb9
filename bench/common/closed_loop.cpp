#include "common/closed_loop.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string_view>

namespace salvo::bench {

closed_loop::closed_loop(std::size_t workers, std::uint64_t requests, double duration_seconds)
    : workers_(workers),
      requests_(requests),
      duration_(duration_seconds > 0 ? std::chrono::duration_cast<bench_clock::duration>(
                                           std::chrono::duration<double>(duration_seconds))
                                     : bench_clock::duration::max()) {}

closed_loop::turn closed_loop::next() noexcept {
    if (!measuring_.load(std::memory_order_acquire)) {
        return turn::warm_up;
    }
    if (issued_.fetch_add(1, std::memory_order_relaxed) >= requests_) {
        return turn::stop;
    }
    const auto start =
        bench_clock::time_point(bench_clock::duration(start_.load(std::memory_order_relaxed)));
    if (duration_ != bench_clock::duration::max() && bench_clock::now() - start >= duration_) {
        return turn::stop;
    }
    return turn::measured;
}

void closed_loop::warmed_up() noexcept {
    if (warmed_.fetch_add(1, std::memory_order_acq_rel) + 1 == workers_) {
        start_.store(bench_clock::now().time_since_epoch().count(), std::memory_order_relaxed);
        measuring_.store(true, std::memory_order_release);
    }
}

void closed_loop::finish(std::vector<std::uint32_t>&& samples, std::uint64_t failures) {
    std::lock_guard lock(mutex_);
    ++finished_;
    end_ = std::max(end_, bench_clock::now());
    samples_.insert(samples_.end(), samples.begin(), samples.end());
    failures_ += failures;
}

bool closed_loop::done() const noexcept {
    std::lock_guard lock(mutex_);
    return finished_ == workers_;
}

std::uint64_t closed_loop::failures() const {
    std::lock_guard lock(mutex_);
    return failures_;
}

std::uint32_t elapsed_us(bench_clock::time_point start) noexcept {
    const auto us =
        std::chrono::duration_cast<std::chrono::microseconds>(bench_clock::now() - start).count();
    return static_cast<std::uint32_t>(std::clamp<long long>(us, 0, UINT32_MAX));
}

namespace {

// A "Name:   N kB" line of /proc/self/status, in KiB; 0 when absent.
long status_kib(std::string_view field) {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.starts_with(field) && line.size() > field.size() && line[field.size()] == ':') {
            return std::strtol(line.c_str() + field.size() + 1, nullptr, 10);
        }
    }
    return 0;
}

}  // namespace

long current_rss_kib() {
    return status_kib("VmRSS");
}

long peak_rss_kib() {
    return status_kib("VmHWM");
}

void reset_peak_rss() {
    std::ofstream("/proc/self/clear_refs") << "5";
}

double cpu_seconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

std::string closed_loop::json_line(const std::string& extra) const {
    std::lock_guard lock(mutex_);
    std::vector<std::uint32_t> sorted = samples_;
    std::sort(sorted.begin(), sorted.end());
    auto quantile = [&](double q) -> std::uint32_t {
        if (sorted.empty()) {
            return 0;
        }
        const auto rank =
            static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted.size())));
        return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
    };
    const auto start =
        bench_clock::time_point(bench_clock::duration(start_.load(std::memory_order_relaxed)));
    const double seconds =
        measuring_.load() ? std::chrono::duration<double>(end_ - start).count() : 0;
    const auto completed = static_cast<double>(sorted.size());
    const double cpu = cpu_seconds();
    char text[512];
    std::snprintf(text, sizeof text,
                  "{\"requests\":%zu,\"seconds\":%.4f,\"rps\":%.1f,\"failures\":%llu,"
                  "\"p50_us\":%u,\"p90_us\":%u,\"p99_us\":%u,\"max_us\":%u,"
                  "\"cpu_seconds\":%.3f,\"max_rss_kib\":%ld",
                  sorted.size(), seconds, seconds > 0 ? completed / seconds : 0.0,
                  static_cast<unsigned long long>(failures_), quantile(0.50), quantile(0.90),
                  quantile(0.99), sorted.empty() ? 0U : sorted.back(), cpu, peak_rss_kib());
    std::string line(text);
    if (!extra.empty()) {
        line.append(",").append(extra);
    }
    line.append("}");
    return line;
}

}  // namespace salvo::bench
