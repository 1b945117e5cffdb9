// salvo-fetch: GET one URL with the engine and print the status and body.
//   salvo-fetch https://example.com/ [--ca-file ca.pem]
// The README's embedding example; tests/readme_check.cmake keeps the two identical.
// [readme-begin]
#include <salvo/http/client.hpp>

#include <boost/asio.hpp>

#include <iostream>

namespace asio = boost::asio;

asio::awaitable<int> fetch(salvo::http::client& client, std::string url) {
    salvo::http::request req;
    req.method = salvo::http::verb::get;
    req.url = boost::urls::url(url);
    req.headers.set("Accept", "application/json");

    // as_tuple: no exception on failure; res.diagnostic says what went wrong.
    auto [ec, res] = co_await client.async_send(std::move(req), asio::as_tuple(asio::deferred));
    if (ec) {
        std::cerr << url << ": " << ec.message() << " (" << res.diagnostic << ")\n";
        co_return 1;
    }
    std::cout << res.status << "\n" << res.body << "\n";
    co_return res.status < 400 ? 0 : 1;
}

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: salvo-fetch URL [--ca-file PEM]\n";
        return 2;
    }
    salvo::http::client_options options;
    if (argc == 4 && std::string(argv[2]) == "--ca-file") {
        options.tls.ca_file = argv[3];
    }
    asio::io_context io;
    salvo::http::client client(io.get_executor(), options);
    auto result = asio::co_spawn(io, fetch(client, argv[1]), asio::use_future);
    io.run();
    return result.get();
}
// [readme-end]
