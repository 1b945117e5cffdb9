// A small synchronous HTTP/1.1 client for the mock's tests: one keep-alive connection to
// 127.0.0.1, plain or TLS, that reports I/O errors instead of hiding them (resets are the point).
#pragma once

#include <salvo/mock/server.hpp>

#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace salvo::mock::test {

struct reply {
    unsigned status = 0;
    std::map<std::string, std::string, std::less<>> headers;  // names in lower case
    std::string body;
    bool keep_alive = true;

    bool has(std::string_view header) const { return headers.contains(header); }
    std::string header(std::string_view name) const;
    boost::json::value json() const;
};

class http_probe {
  public:
    // TLS when `trusted_pem` is given: the certificate (or CA) to verify the server with.
    explicit http_probe(std::uint16_t port, std::string trusted_pem = {});
    ~http_probe();

    std::string authorization = "User " + std::string(default_user_secret) + ", Organization " +
                                std::string(default_org_secret);
    std::string content_type = "application/json";

    // One exchange on the current connection (opened first if need be). On an I/O error the
    // connection is dropped and the next call opens a new one.
    boost::system::error_code send(std::string_view method, std::string_view target,
                                   std::string_view body, reply& out);
    // The same, throwing boost::system::system_error on an I/O error.
    reply request(std::string_view method, std::string_view target, std::string_view body = {});
    // Shorthands under the API prefix: get("/instances") is GET /elements/api-v2/instances.
    reply get(std::string_view path) { return request("GET", api(path)); }
    reply post(std::string_view path, std::string_view body) {
        return request("POST", api(path), body);
    }
    reply del(std::string_view path) { return request("DELETE", api(path)); }

    // Reads until the server ends the connection; what ended it (eof for an orderly close).
    boost::system::error_code wait_closed();
    std::uint64_t connects() const;

    static std::string api(std::string_view path) {
        return std::string(api_prefix) + std::string(path);
    }

  private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// {"element":{"key":element},"name":name,"configuration":{...required keys...},"tags":[...]}
std::string instance_body(std::string_view name, std::string_view element = "actessentials",
                          std::initializer_list<std::string_view> tags = {});

}  // namespace salvo::mock::test
