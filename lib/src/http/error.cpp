#include <salvo/http/error.hpp>

#include <string>

namespace salvo::http {
namespace {

class category final : public boost::system::error_category {
  public:
    const char* name() const noexcept override { return "salvo.http"; }

    std::string message(int value) const override {
        switch (static_cast<error>(value)) {
            case error::invalid_request:
                return "invalid request";
            case error::resolve_failed:
                return "host name lookup failed";
            case error::connect_failed:
                return "connection failed";
            case error::tls_handshake_failed:
                return "TLS handshake failed";
            case error::connect_timeout:
                return "connect timed out";
            case error::pool_timeout:
                return "timed out waiting for a free connection";
            case error::connection_lost:
                return "connection lost after the request was sent (outcome unknown)";
            case error::response_timeout:
                return "timed out waiting for the response (outcome unknown)";
            case error::malformed_response:
                return "malformed response";
            case error::header_too_large:
                return "response header too large";
            case error::body_too_large:
                return "response body too large";
            case error::truncated_response:
                return "response truncated";
            case error::cancelled:
                return "operation cancelled";
            case error::shutdown:
                return "client shut down";
            case error::retry_deadline:
                return "gave up: the next retry would pass the request\'s deadline";
            case error::proxy_refused:
                return "the proxy refused the tunnel";
        }
        return "salvo.http error " + std::to_string(value);
    }
};

}  // namespace

const boost::system::error_category& error_category() noexcept {
    static const category instance;
    return instance;
}

}  // namespace salvo::http
