// What a platform call gives back: the value, or a failure that says how far the call got.
#pragma once

#include <salvo/http/error.hpp>
#include <salvo/http/message.hpp>
#include <salvo/platform/types.hpp>

#include <boost/system/error_code.hpp>

#include <cassert>
#include <chrono>
#include <iosfwd>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace salvo::platform {

// Errors of the platform layer, in the "salvo.platform" category. Engine errors keep their
// salvo::http::error codes.
enum class error {
    api_error = 1,     // the platform answered with a status outside 2xx: see failure::api
    invalid_response,  // a 2xx answer whose body or headers are not what the call expects
    invalid_argument,  // the call's arguments were rejected before anything was sent
};

const boost::system::error_category& error_category() noexcept;

inline boost::system::error_code make_error_code(error e) noexcept {
    return {static_cast<int>(e), error_category()};
}

// A call that did not produce its value. Three questions a caller must answer before retrying:
// was it sent (`not_sent`), did it get an answer (`sent_without_answer`: the platform may or may
// not have acted), and if answered, with which status (`status`, `retry_after`).
struct failure {
    boost::system::error_code code;  // salvo::http::error (from the engine) or platform::error
    std::string call;                // "create_instance", "list_instances", ...
    http::delivery delivery = http::delivery::not_sent;
    unsigned status = 0;           // the HTTP status when answered, else 0
    http::fields headers;          // the answer's headers when answered (Retry-After, ...)
    std::optional<api_error> api;  // with error::api_error: the platform's error body
    std::string message;           // one line, secrets redacted: "<call>: <what went wrong>"
    int attempts = 0;              // attempts the engine made

    bool not_sent() const noexcept { return delivery == http::delivery::not_sent; }
    bool sent_without_answer() const noexcept { return delivery == http::delivery::sent; }
    bool answered() const noexcept { return delivery == http::delivery::answered; }
    // The answer's Retry-After as a wait; nullopt when absent or malformed.
    std::optional<std::chrono::seconds> retry_after(
        std::chrono::system_clock::time_point now = std::chrono::system_clock::now()) const;
};

std::string to_string(const failure& f);  // f.message
std::ostream& operator<<(std::ostream& os, const failure& f);

// Thrown by result::value() on a failure; what() is the (redacted) failure message.
class bad_result_access : public std::runtime_error {
  public:
    explicit bad_result_access(platform::failure f)
        : std::runtime_error(f.message), failure_(std::move(f)) {}
    const platform::failure& failure() const noexcept { return failure_; }

  private:
    platform::failure failure_;
};

// Either a T (nothing for result<void>) or a failure.
template <class T = void>
class [[nodiscard]] result {
    using stored = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

  public:
    using value_type = T;

    // A value-initialized T, as boost::system::result (asio::co_spawn needs one).
    result() requires std::is_default_constructible_v<stored> : v_(std::in_place_index<0>) {}
    result(stored value)  // NOLINT(google-explicit-constructor): `co_return value;`
        requires(!std::is_void_v<T>)
        : v_(std::in_place_index<0>, std::move(value)) {}
    result(failure f) : v_(std::in_place_index<1>, std::move(f)) {}  // NOLINT

    bool has_value() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    // The value; throws bad_result_access (with the failure) when there is none.
    decltype(auto) value() & { return get(*this); }
    decltype(auto) value() const& { return get(*this); }
    decltype(auto) value() && { return std::move(get(*this)); }

    auto& operator*() requires(!std::is_void_v<T>) {
        assert(has_value());
        return std::get<0>(v_);
    }
    const auto& operator*() const requires(!std::is_void_v<T>) {
        assert(has_value());
        return std::get<0>(v_);
    }
    auto* operator->() requires(!std::is_void_v<T>) { return &**this; }
    const auto* operator->() const requires(!std::is_void_v<T>) { return &**this; }

    // The failure; only when !has_value().
    const failure& error() const& {
        assert(!has_value());
        return std::get<1>(v_);
    }
    failure&& error() && {
        assert(!has_value());
        return std::get<1>(std::move(v_));
    }

  private:
    template <class Self>
    static auto& get(Self& self) {
        if (!self.has_value()) {
            throw bad_result_access(std::get<1>(self.v_));
        }
        return std::get<0>(self.v_);
    }

    std::variant<stored, failure> v_;
};

}  // namespace salvo::platform

template <>
struct boost::system::is_error_code_enum<salvo::platform::error> : std::true_type {};
