// libFuzzer: URL and origin handling of the engine. Arbitrary bytes are parsed as a URI
// (Boost.URL, as callers do) and sent through salvo::http::client, which splits the origin
// (scheme, host, port), builds the target and the Host header, and refuses what it cannot send.
// To stay off the network, host names become 127.0.0.1 and ports become 1 (closed), so
// every input ends quickly in invalid_request or connect_failed; IP literals and non-numeric or
// out-of-range ports are kept as they are. Checked: no crash, and a completion for every call.
#include <salvo/http/client.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/url/parse.hpp>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

struct engine {
    boost::asio::io_context io;
    salvo::http::client client;
    engine() : client(io.get_executor(), options()) {}
    static salvo::http::client_options options() {
        salvo::http::client_options o;
        o.connect_timeout = std::chrono::milliseconds(20);
        o.attempt_timeout = std::chrono::milliseconds(20);
        o.request_timeout = std::chrono::milliseconds(50);
        o.retry_budget = false;
        return o;
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static engine e;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    auto parsed = boost::urls::parse_uri_reference(text);
    if (!parsed) {
        return 0;
    }
    salvo::http::request req;
    req.url = *parsed;
    if (req.url.host_type() == boost::urls::host_type::name && !req.url.encoded_host().empty()) {
        req.url.set_host_ipv4(boost::urls::ipv4_address(0x7f000001));
    }
    if (!req.url.has_port() || req.url.port_number() != 0) {
        req.url.set_port_number(1);
    }
    req.retry = false;
    bool completed = false;
    e.client.async_send(std::move(req), [&completed](boost::system::error_code,
                                                     salvo::http::response) { completed = true; });
    e.io.restart();
    e.io.run();
    if (!completed) {
        std::abort();
    }
    return 0;
}
