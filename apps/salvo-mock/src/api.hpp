// The instance API and the admin view, sans-io: a parsed request in, an answer and what to do
// with the connection out. server.cpp does the sockets.
#pragma once

#include "instance_store.hpp"

#include <salvo/mock/server.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace salvo::mock {

struct api_request {
    std::string_view method;
    std::string_view target;  // origin form, query included
    std::string_view authorization;
    std::string_view content_type;
    std::string_view body;
};

struct api_response {
    enum class then : std::uint8_t { answer, reset };

    unsigned status = 200;
    std::string body;  // JSON, or empty
    std::vector<std::pair<std::string_view, std::string>> headers;
    then action = then::answer;
    std::chrono::milliseconds delay{0};  // wait this long before answering

    void clear() {
        status = 200;
        body.clear();
        headers.clear();
        action = then::answer;
        delay = std::chrono::milliseconds(0);
    }
};

class api {
  public:
    explicit api(const server_options& options);

    void handle(const api_request& in, api_response& out);
    // For requests the HTTP layer rejects itself (unparsable, too large).
    void error(api_response& out, unsigned status, std::string_view message);

    void count_connection() noexcept { connections_.fetch_add(1, std::memory_order_relaxed); }
    void count_capped() noexcept { capped_.fetch_add(1, std::memory_order_relaxed); }
    stats snapshot() const;
    void reset();

  private:
    void create(const api_request& in, std::string_view element_key, api_response& out);
    void list(std::string_view query, api_response& out);
    void get(std::string_view id, api_response& out);
    void erase(std::string_view id, api_response& out);
    bool authorized(std::string_view header) const noexcept;
    bool read_fault(api_response& out);
    void count(fault f) noexcept;
    std::string request_id();

    using counter = std::atomic<std::uint64_t>;
    std::string user_secret_;
    std::string org_secret_;
    fault_plan plan_;
    std::chrono::milliseconds latency_;
    std::uint64_t salt_;
    instance_store store_;
    counter requests_{0}, posts_{0}, creates_{0}, deletes_{0}, connections_{0}, capped_{0};
    counter create_draws_{0}, read_draws_{0}, request_ids_{0};
    std::array<counter, all_faults.size()> faults_{};
};

}  // namespace salvo::mock
