#include "http/proxy.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <initializer_list>
#include <stdexcept>

namespace salvo::http::detail {

namespace asio = boost::asio;

namespace {

constexpr std::uint16_t default_proxy_port = 1080;  // curl's

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string_view::npos) {
        return {};
    }
    return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

std::string lowercase(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::optional<asio::ip::address> as_address(std::string_view s) {
    boost::system::error_code ec;
    const auto address = asio::ip::make_address(std::string(s), ec);
    if (ec) {
        return std::nullopt;
    }
    return address;
}

// "host:port", with brackets around an IPv6 address.
std::string authority(std::string_view host, std::uint16_t port) {
    std::string out;
    const bool ipv6 = host.find(':') != std::string_view::npos;
    if (ipv6) {
        out += '[';
    }
    out += host;
    if (ipv6) {
        out += ']';
    }
    out += ':';
    out += std::to_string(port);
    return out;
}

std::string base64(std::string_view in) {
    static constexpr char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < in.size(); i += 3) {
        const std::size_t n = std::min<std::size_t>(3, in.size() - i);
        std::uint32_t group = 0;
        for (std::size_t k = 0; k < 3; ++k) {
            const auto byte = k < n ? static_cast<unsigned char>(in[i + k]) : 0u;
            group = (group << 8) | byte;
        }
        for (std::size_t k = 0; k < 4; ++k) {
            out += k <= n ? alphabet[(group >> (18 - 6 * k)) & 0x3f] : '=';
        }
    }
    return out;
}

std::invalid_argument invalid_url(std::string_view which, std::string_view why) {
    std::string message = "invalid proxy URL (";
    message += which;
    message += "): ";
    message += why;
    return std::invalid_argument(message);
}

// A NO_PROXY entry without its port or brackets: "[::1]:443" -> "::1", "a.example:443" ->
// "a.example". A bare IPv6 address (two colons or more) has no port to drop.
std::string_view without_port(std::string_view entry) {
    if (entry.starts_with('[')) {
        const auto close = entry.find(']');
        return close == std::string_view::npos ? entry.substr(1) : entry.substr(1, close - 1);
    }
    if (std::count(entry.begin(), entry.end(), ':') == 1) {
        return entry.substr(0, entry.find(':'));
    }
    return entry;
}

bool in_block(std::string_view block, const asio::ip::address& ip) {
    boost::system::error_code ec;
    if (ip.is_v4()) {
        const auto net = asio::ip::make_network_v4(std::string(block), ec);
        return !ec &&
               asio::ip::network_v4(ip.to_v4(), net.prefix_length()).network() == net.network();
    }
    const auto net = asio::ip::make_network_v6(std::string(block), ec);
    return !ec && asio::ip::network_v6(ip.to_v6(), net.prefix_length()).network() == net.network();
}

// `host` is lowercase without a trailing dot; `ip` is set when it is an address, which then
// matches addresses and blocks only (a name suffix must not match "10.0.0.1" by its tail).
bool entry_matches(std::string_view entry, std::string_view host,
                   const std::optional<asio::ip::address>& ip) {
    if (entry == "*") {
        return true;
    }
    if (entry.find('/') != std::string_view::npos) {
        return ip && in_block(entry, *ip);
    }
    entry = without_port(entry);
    if (ip) {
        return as_address(entry) == ip;
    }
    while (entry.starts_with('.')) {
        entry.remove_prefix(1);
    }
    while (entry.ends_with('.')) {
        entry.remove_suffix(1);
    }
    if (entry.empty()) {
        return false;
    }
    const std::string name = lowercase(entry);
    if (host == name) {
        return true;
    }
    return host.size() > name.size() && host.ends_with(name) &&
           host[host.size() - name.size() - 1] == '.';
}

std::string printable(std::string_view s, std::size_t limit) {
    std::string out;
    for (const char c : s.substr(0, limit)) {
        out += c >= 0x20 && c < 0x7f ? c : '?';
    }
    return out;
}

std::string first_set(const environment& getenv, std::initializer_list<const char*> names) {
    for (const char* name : names) {
        const char* value = getenv(name);
        if (value != nullptr && *value != '\0') {
            return value;
        }
    }
    return {};
}

}  // namespace

proxy_endpoint parse_proxy_url(std::string_view url, std::string_view which) {
    std::string text(trim(url));
    if (text.find("://") == std::string::npos) {
        text.insert(0, "http://");  // curl's default for a bare "host:port"
    }
    // The URL itself is never quoted in an error: it may hold a password.
    const auto parsed = boost::urls::parse_uri(text);
    if (!parsed) {
        throw invalid_url(which, "expected http://[user:password@]host[:port]");
    }
    const auto& u = *parsed;
    if (u.scheme_id() != boost::urls::scheme::http) {
        throw invalid_url(which, "scheme '" + printable(u.scheme(), 16) +
                                     "' is not supported (http:// proxies are)");
    }
    proxy_endpoint out;
    out.host = u.host_address();
    if (out.host.empty()) {
        throw invalid_url(which, "no host");
    }
    out.port = default_proxy_port;
    if (u.has_port() && !u.port().empty()) {
        // Boost.URL's port_number() does not reject values over 65535.
        const auto digits = u.port();
        unsigned long port = 0;
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
        if (ec != std::errc() || end != digits.data() + digits.size() || port == 0 ||
            port > 65535) {
            throw invalid_url(which, "bad port");
        }
        out.port = static_cast<std::uint16_t>(port);
    }
    out.name = authority(out.host, out.port);
    if (u.has_userinfo() && (!u.user().empty() || u.has_password())) {
        out.authorization = "Basic " + base64(u.user() + ":" + u.password());
    }
    return out;
}

bool bypasses_proxy(std::string_view no_proxy, std::string_view host) {
    std::string name = lowercase(host);
    while (name.ends_with('.')) {
        name.pop_back();
    }
    const auto ip = as_address(name);
    while (!no_proxy.empty()) {
        const auto comma = no_proxy.find(',');
        const auto entry = trim(no_proxy.substr(0, comma));
        if (!entry.empty() && entry_matches(entry, name, ip)) {
            return true;
        }
        no_proxy.remove_prefix(comma == std::string_view::npos ? no_proxy.size() : comma + 1);
    }
    return false;
}

proxy_route make_route(const proxy_endpoint& proxy, std::string_view host, std::uint16_t port) {
    proxy_route route;
    route.proxy_host = proxy.host;
    route.proxy_port = proxy.port;
    route.proxy_name = proxy.name;
    route.target = authority(host, port);
    std::string& r = route.connect_request;
    r = "CONNECT " + route.target + " HTTP/1.1\r\nHost: " + route.target + "\r\n";
    if (!proxy.authorization.empty()) {
        r += "Proxy-Authorization: " + proxy.authorization + "\r\n";
    }
    r += "\r\n";
    return route;
}

proxy_config::proxy_config(const proxy_options& options) : no_proxy_(options.no_proxy) {
    if (!trim(options.https_proxy).empty()) {
        https_ = parse_proxy_url(options.https_proxy, "https_proxy");
    }
    if (!trim(options.http_proxy).empty()) {
        http_ = parse_proxy_url(options.http_proxy, "http_proxy");
    }
}

std::optional<proxy_route> proxy_config::route(bool tls, std::string_view host,
                                               std::uint16_t port) const {
    const auto& proxy = tls ? https_ : http_;
    if (!proxy || bypasses_proxy(no_proxy_, host)) {
        return std::nullopt;
    }
    return make_route(*proxy, host, port);
}

std::string refusal_message(const proxy_route& route, unsigned status, std::string_view reason) {
    std::string text = printable(trim(reason), 80);
    if (text.empty()) {
        text = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status));
    }
    return "proxy " + route.proxy_name + " refused CONNECT to " + route.target + ": " +
           std::to_string(status) + " " + text;
}

proxy_options proxy_options_from(const environment& getenv) {
    proxy_options out;
    // Lowercase first, as curl reads them.
    out.https_proxy = first_set(getenv, {"https_proxy", "HTTPS_PROXY"});
    out.http_proxy = first_set(getenv, {"http_proxy", "HTTP_PROXY"});
    out.no_proxy = first_set(getenv, {"no_proxy", "NO_PROXY"});
    return out;
}

}  // namespace salvo::http::detail

namespace salvo::http {

proxy_options proxy_options::from_environment() {
    return detail::proxy_options_from([](const char* name) { return std::getenv(name); });
}

}  // namespace salvo::http
