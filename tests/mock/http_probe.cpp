#include "http_probe.hpp"

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>

#include <optional>

namespace salvo::mock::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
namespace json = boost::json;
using boost::system::error_code;
using namespace std::chrono_literals;

// A guard against hangs only: no test relies on it firing.
constexpr auto io_timeout = 20s;

}  // namespace

std::string reply::header(std::string_view name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string{} : it->second;
}

json::value reply::json() const {
    return json::parse(body);
}

struct http_probe::impl {
    asio::io_context io;
    std::uint16_t port;
    std::optional<ssl::context> tls;
    std::optional<beast::tcp_stream> plain;
    std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
    beast::flat_buffer buffer;
    bool open = false;
    bool closing = false;  // the last answer said Connection: close
    std::uint64_t connects = 0;

    beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*secure) : *plain; }

    // Runs the operation that `start` initiates to completion.
    template <class Start>
    error_code run(Start&& start) {
        error_code result;
        lowest().expires_after(io_timeout);
        start([&](error_code ec, auto&&...) { result = ec; });
        io.restart();
        io.run();
        return result;
    }

    template <class F>
    error_code with_stream(F&& f) {
        return tls ? f(*secure) : f(*plain);
    }

    void drop() {
        if (open) {
            error_code ec;
            lowest().socket().close(ec);
        }
        open = false;
        closing = false;
    }

    error_code connect() {
        drop();
        buffer.clear();
        ++connects;
        if (tls) {
            secure.emplace(io, *tls);
            SSL_set_tlsext_host_name(secure->native_handle(), "localhost");
            secure->set_verify_callback(ssl::host_name_verification("localhost"));
        } else {
            plain.emplace(io);
        }
        asio::ip::tcp::endpoint to(asio::ip::make_address("127.0.0.1"), port);
        error_code ec = run([&](auto handler) { lowest().async_connect(to, handler); });
        if (!ec && tls) {
            ec = run(
                [&](auto handler) { secure->async_handshake(ssl::stream_base::client, handler); });
        }
        if (!ec) {
            lowest().socket().set_option(asio::ip::tcp::no_delay(true), ec);
        }
        open = !ec;
        return ec;
    }
};

http_probe::http_probe(std::uint16_t port, std::string trusted_pem)
    : impl_(std::make_unique<impl>()) {
    impl_->port = port;
    if (!trusted_pem.empty()) {
        impl_->tls.emplace(ssl::context::tls_client);
        impl_->tls->set_verify_mode(ssl::verify_peer);
        impl_->tls->add_certificate_authority(asio::buffer(trusted_pem));
    }
}

http_probe::~http_probe() {
    impl_->drop();
}

std::uint64_t http_probe::connects() const {
    return impl_->connects;
}

error_code http_probe::send(std::string_view method, std::string_view target, std::string_view body,
                            reply& out) {
    impl& p = *impl_;
    if (!p.open || p.closing) {
        if (error_code ec = p.connect()) {
            return ec;
        }
    }
    http::request<http::string_body> req(http::string_to_verb(method), target, 11);
    req.set(http::field::host, "127.0.0.1:" + std::to_string(p.port));
    if (!authorization.empty()) {
        req.set(http::field::authorization, authorization);
    }
    if (!body.empty() && !content_type.empty()) {
        req.set(http::field::content_type, content_type);
    }
    req.body() = std::string(body);
    req.prepare_payload();
    error_code ec = p.with_stream([&](auto& stream) {
        return p.run([&](auto handler) { http::async_write(stream, req, handler); });
    });
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    if (!ec) {
        ec = p.with_stream([&](auto& stream) {
            return p.run(
                [&](auto handler) { http::async_read(stream, p.buffer, parser, handler); });
        });
    }
    if (ec) {
        p.drop();
        return ec;
    }
    const auto& res = parser.get();
    out.status = res.result_int();
    out.headers.clear();
    for (const auto& field : res) {
        std::string name(field.name_string());
        for (char& c : name) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        out.headers[name] = std::string(field.value());
    }
    out.body = res.body();
    out.keep_alive = res.keep_alive();
    p.closing = !out.keep_alive;
    return {};
}

reply http_probe::request(std::string_view method, std::string_view target, std::string_view body) {
    reply out;
    if (error_code ec = send(method, target, body, out)) {
        throw boost::system::system_error(ec, std::string(method) + " " + std::string(target));
    }
    return out;
}

error_code http_probe::wait_closed() {
    impl& p = *impl_;
    if (!p.open) {
        return asio::error::not_connected;
    }
    char sink[256];
    error_code ec;
    while (!ec) {
        ec = p.with_stream([&](auto& stream) {
            return p.run(
                [&](auto handler) { stream.async_read_some(asio::buffer(sink), handler); });
        });
    }
    p.drop();
    return ec;
}

std::string instance_body(std::string_view name, std::string_view element,
                          std::initializer_list<std::string_view> tags) {
    json::object body;
    body["element"] = json::object{{"key", element}};
    body["name"] = name;
    json::object& config = body["configuration"].emplace_object();
    if (element == "sfdc") {
        config["oauth.api.key"] = "key-secret-value";
        config["oauth.api.secret"] = "p@ss-secret-value";
        config["oauth.callback.url"] = "https://example.com/cb";
    } else if (element == "closeio") {
        config["username"] = "api-key-secret-value";
    } else {
        config["username"] = "user-secret-value";
        config["password"] = "p@ss-secret-value";
    }
    json::array& t = body["tags"].emplace_array();
    for (auto tag : tags) {
        t.emplace_back(tag);
    }
    return json::serialize(body);
}

}  // namespace salvo::mock::test
