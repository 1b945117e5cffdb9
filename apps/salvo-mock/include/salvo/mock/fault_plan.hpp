// Which fault the mock injects into which request: parsed from `--faults`, decided by a pure
// function of (seed, request number) so that a run is reproducible whatever the thread timing.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

namespace salvo::mock {

// Every fault drawn by rate. The names are the `--faults` keys and the admin view's keys.
enum class fault : std::uint8_t {
    none,
    status_503,        // "503": answer 503 before processing
    status_429,        // "429": answer 429 with Retry-After before processing
    reset_before,      // "reset-before": reset the connection, nothing created
    reset_after,       // "reset-after": create, then reset the connection without answering
    status_502_after,  // "502-after": create, then answer 502
    slow_after,        // "slow-after": create, then answer 200 after `slow_delay`
    get_503,           // "get-503": a GET answered 503
    get_429,           // "get-429": a GET answered 429 with Retry-After
    get_reset,         // "get-reset": a GET answered by a connection reset
};

inline constexpr std::array<fault, 9> all_faults = {
    fault::status_503,  fault::status_429,       fault::reset_before,
    fault::reset_after, fault::status_502_after, fault::slow_after,
    fault::get_503,     fault::get_429,          fault::get_reset,
};

// "503", "reset-after", ... ("none" for fault::none).
std::string_view fault_name(fault f) noexcept;
std::ostream& operator<<(std::ostream& out, fault f);

// What `--faults` asks for. Rates are probabilities per request; the create rates are exclusive
// (at most one fault per request) and sum to at most 1, and so do the GET rates.
struct fault_spec {
    std::array<double, all_faults.size()> rates{};  // indexed by fault minus 1
    std::uint32_t max_requests_per_conn = 0;        // 0: keep-alive connections live on
    bool silent_close = false;  // close at the cap without `Connection: close` first
    std::chrono::milliseconds slow_delay{5000};
    std::chrono::seconds retry_after{1};

    double rate(fault f) const noexcept;
    void set_rate(fault f, double r) noexcept;
    bool empty() const noexcept;

    // "503=0.02,429=0.01,reset-before=0.01,max-requests-per-conn=100,slow-ms=3000". An empty spec
    // or "none" means no faults. Throws std::invalid_argument naming the offending item.
    static fault_spec parse(std::string_view spec);
    // The canonical spec text (parse(to_string()) gives back the same spec).
    std::string to_string() const;
};

// Decides the fault of the n-th create POST and of the n-th GET (both counted from 0).
class fault_plan {
  public:
    fault_plan() = default;
    fault_plan(const fault_spec& spec, std::uint64_t seed) : spec_(spec), seed_(seed) {}

    fault for_create(std::uint64_t n) const noexcept;
    fault for_read(std::uint64_t n) const noexcept;
    const fault_spec& spec() const noexcept { return spec_; }

  private:
    fault pick(std::uint64_t stream, std::uint64_t n, std::size_t first,
               std::size_t last) const noexcept;

    fault_spec spec_;
    std::uint64_t seed_ = 1;
};

}  // namespace salvo::mock
