// The measurement every client in the benchmark shares: C closed-loop workers, a warm-up in
// which every worker opens its connection (not measured), then a window of N requests or D
// seconds, whichever ends first. Thread-safe: workers may run on several threads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace salvo::bench {

using bench_clock = std::chrono::steady_clock;

class closed_loop {
  public:
    closed_loop(std::size_t workers, std::uint64_t requests, double duration_seconds);

    enum class turn { stop, warm_up, measured };

    // Called by a worker before each request.
    turn next() noexcept;
    // Called by a worker after its first request (its connection is open).
    void warmed_up() noexcept;
    // Called by a worker when next() said stop; `samples` are its measured latencies (µs).
    void finish(std::vector<std::uint32_t>&& samples, std::uint64_t failures);

    bool done() const noexcept;
    std::uint64_t failures() const;

    // The last line of stdout: requests, seconds, rps, failures, percentiles, CPU, RSS; then
    // `extra` (already formatted `"key":value` pairs, comma-separated) when not empty.
    std::string json_line(const std::string& extra = {}) const;

  private:
    const std::size_t workers_;
    const std::uint64_t requests_;
    const bench_clock::duration duration_;
    std::atomic<std::size_t> warmed_{0};
    std::atomic<bool> measuring_{false};
    std::atomic<std::uint64_t> issued_{0};
    std::atomic<bench_clock::rep> start_{0};  // start of the window, as time_since_epoch

    mutable std::mutex mutex_;
    std::size_t finished_ = 0;
    bench_clock::time_point end_{};
    std::vector<std::uint32_t> samples_;
    std::uint64_t failures_ = 0;
};

// Microseconds from `start` to now, saturated to 32 bits.
std::uint32_t elapsed_us(bench_clock::time_point start) noexcept;

// Current resident set size of this process, in KiB (/proc/self/status VmRSS).
long current_rss_kib();
// Peak resident set size since start or since reset_peak_rss(), in KiB (VmHWM).
long peak_rss_kib();
// Restarts the peak (Linux: "5" written to /proc/self/clear_refs).
void reset_peak_rss();
// User + system CPU time of this process so far, in seconds.
double cpu_seconds();

}  // namespace salvo::bench
