// An embedder's program against the installed salvo package: a GET to a loopback server of its
// own, a GET to a closed port, the platform and provisioning headers, the Prometheus metrics.
#include <salvo/http/client.hpp>
#include <salvo/http/prometheus.hpp>
#include <salvo/platform/client.hpp>
#include <salvo/provision/keys.hpp>

#include <boost/asio.hpp>

#include <cstdlib>
#include <iostream>
#include <string>

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

int failures = 0;

void expect(bool ok, const std::string& what) {
    if (!ok) {
        std::cerr << "FAILED: " << what << '\n';
        ++failures;
    }
}

// Answers one request on one connection with a fixed response.
asio::awaitable<void> serve_one(tcp::acceptor& acceptor) {
    tcp::socket socket = co_await acceptor.async_accept(asio::deferred);
    std::string in;
    co_await asio::async_read_until(socket, asio::dynamic_buffer(in), "\r\n\r\n", asio::deferred);
    const std::string out =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n"
        "Connection: close\r\n\r\n{\"ok\":true}";
    co_await asio::async_write(socket, asio::buffer(out), asio::deferred);
}

asio::awaitable<void> run(salvo::http::client& client, std::string ok_url, std::string closed_url) {
    salvo::http::request req;
    req.url = boost::urls::url(ok_url);
    auto [ec, res] = co_await client.async_send(std::move(req), asio::as_tuple(asio::deferred));
    expect(!ec, "GET loopback: " + ec.message() + " " + res.diagnostic);
    expect(res.status == 200 && res.body == "{\"ok\":true}", "GET loopback: status and body");

    salvo::http::request refused;
    refused.url = boost::urls::url(closed_url);
    refused.retry = false;
    auto [ec2, res2] =
        co_await client.async_send(std::move(refused), asio::as_tuple(asio::deferred));
    expect(ec2 == salvo::http::error::connect_failed, "closed port: " + ec2.message());
    expect(res2.delivery == salvo::http::delivery::not_sent, "closed port: not sent");
}

}  // namespace

int main() {
    asio::io_context io;
    tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    std::uint16_t closed_port = 0;
    {
        tcp::acceptor closed(io, {asio::ip::make_address("127.0.0.1"), 0});
        closed_port = closed.local_endpoint().port();
    }
    const std::string base = "http://127.0.0.1:";
    asio::co_spawn(io, serve_one(acceptor), asio::detached);

    salvo::http::client client(io.get_executor());
    salvo::platform::client api(client, {"user", "org"});  // links the platform layer
    expect(api.base_url().host() == "api.cloud-elements.com", "platform default base URL");
    expect(salvo::provision::batch_tag("b") == "salvo-batch:b", "provision key tags");

    auto done = asio::co_spawn(
        io,
        run(client, base + std::to_string(acceptor.local_endpoint().port()) + "/ping",
            base + std::to_string(closed_port) + "/"),
        asio::use_future);
    io.run();
    done.get();

    const std::string text = salvo::http::to_prometheus(client.metrics());
    expect(text.find("\nsalvo_http_requests_total 2\n") != std::string::npos, "metrics: requests");
    expect(text.find("salvo_http_errors_total{error=\"connect_failed\"} 1") != std::string::npos,
           "metrics: connect_failed");
    if (failures == 0) {
        std::cout << "salvo consumer: OK\n";
    }
    return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
