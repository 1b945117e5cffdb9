// Keeps the secrets of a run out of every string salvo produces.
//
//   platform::redactor secrets;
//   secrets.add(user_secret);
//   secrets.add_values(configuration);     // every string and number inside
//   log(secrets.redact(server_message));    // each secret replaced by "***"
#pragma once

#include <boost/json/fwd.hpp>

#include <cstddef>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace salvo::platform {

inline constexpr std::string_view redacted = "***";

// Secrets shorter than this are replaced only where they stand as a whole word (not touching a
// letter or digit on either side): a one-letter password must not shred every message.
inline constexpr std::size_t redact_anywhere_length = 6;

// Replaces every occurrence of each secret in `text` (as it is, and as it reads inside a JSON
// string) by "***", longest secrets first. Empty secrets are ignored.
std::string redact(std::string_view text, std::span<const std::string> secrets);

// A set of secrets that grows during a run. Thread-safe: `add` and `redact` may be called from
// any thread at the same time.
class redactor {
  public:
    redactor() = default;
    redactor(const redactor& other);
    redactor& operator=(const redactor& other);

    void add(std::string_view secret);
    // Every string and number in `value`, recursively (booleans and null are no secrets).
    void add_values(const boost::json::value& value);
    void add_values(const boost::json::object& object);

    // `text` with this set's secrets, and `extra` ones, replaced by "***".
    std::string redact(std::string_view text, std::span<const std::string> extra = {}) const;

    std::size_t size() const;

  private:
    mutable std::mutex mutex_;
    std::vector<std::string> secrets_;
};

// The secrets inside a JSON value: every string and number, recursively, appended to `out`.
void collect_secret_values(const boost::json::value& value, std::vector<std::string>& out);

}  // namespace salvo::platform
