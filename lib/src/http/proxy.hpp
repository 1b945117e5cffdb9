// HTTP CONNECT proxies, sans-io: which proxy (if any) an origin goes through, the proxy URL,
// NO_PROXY matching, and the CONNECT request. The connection does the I/O.
#pragma once

#include <salvo/http/options.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace salvo::http::detail {

// A parsed proxy URL. `authorization` holds the credentials: it goes into the CONNECT request
// and nowhere else; messages name the proxy by `name` alone.
struct proxy_endpoint {
    std::string host;  // without IPv6 brackets
    std::uint16_t port = 0;
    std::string name;           // "host:port"
    std::string authorization;  // "Basic ..." or empty
};

// "http://[user:password@]host[:port]" (the scheme may be omitted; the port defaults to 1080,
// as curl's does). Throws std::invalid_argument naming `which`, never the credentials.
proxy_endpoint parse_proxy_url(std::string_view url, std::string_view which);

// True when `host` (as in the URL, without IPv6 brackets) is reached directly per `no_proxy`:
// comma-separated names (matching the name and its subdomains; a leading dot is ignored), IP
// addresses, CIDR blocks, or "*"; ports in entries are ignored; case-insensitive.
bool bypasses_proxy(std::string_view no_proxy, std::string_view host);

// How one origin's connections are opened through a proxy.
struct proxy_route {
    std::string proxy_host;
    std::uint16_t proxy_port = 0;
    std::string proxy_name;       // "host:port" of the proxy, for messages
    std::string target;           // "host:port" of the origin: the CONNECT authority
    std::string connect_request;  // the request head; holds Proxy-Authorization
};

// "CONNECT host:port HTTP/1.1" with Host and, when the proxy has credentials,
// Proxy-Authorization.
proxy_route make_route(const proxy_endpoint& proxy, std::string_view host, std::uint16_t port);

// The client's proxy settings, parsed once: the proxy of each origin, or none.
class proxy_config {
  public:
    explicit proxy_config(const proxy_options& options);  // throws std::invalid_argument

    std::optional<proxy_route> route(bool tls, std::string_view host, std::uint16_t port) const;

  private:
    std::optional<proxy_endpoint> https_;
    std::optional<proxy_endpoint> http_;
    std::string no_proxy_;
};

// The message for a CONNECT answered with a non-2xx status.
std::string refusal_message(const proxy_route& route, unsigned status, std::string_view reason);

// proxy_options::from_environment with the environment passed in (for tests).
using environment = std::function<const char*(const char* name)>;
proxy_options proxy_options_from(const environment& getenv);

}  // namespace salvo::http::detail
