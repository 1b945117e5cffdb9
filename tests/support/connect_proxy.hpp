// An HTTP CONNECT proxy on 127.0.0.1 for the tests that send the engine or the CLI through one:
// a real socket that tunnels to in-process servers, so the engine's proxy code path runs as it
// would against squid, and the test can see what the proxy was asked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace salvo::testing {

// How the proxy answers a CONNECT. The default tunnels every one; the others are the failures a
// real proxy gives that the engine must turn into clear, secret-free errors.
struct proxy_behaviour {
    std::string required_authorization;  // "Basic ..."; a mismatch is answered with 407
    unsigned refuse_with = 0;            // answer every CONNECT with this status
    bool hang = false;                   // read the CONNECT, never answer

    static proxy_behaviour requiring(std::string authorization) {
        proxy_behaviour b;
        b.required_authorization = std::move(authorization);
        return b;
    }
    static proxy_behaviour refusing(unsigned status) {
        proxy_behaviour b;
        b.refuse_with = status;
        return b;
    }
    static proxy_behaviour silent() {
        proxy_behaviour b;
        b.hang = true;
        return b;
    }
};

// A CONNECT proxy: records each CONNECT, answers as told (demand credentials, refuse, never
// answer), else connects to the target (502 when it cannot) and splices bytes both ways. It
// runs on a thread of its own so that a test may block on a client or a subprocess meanwhile.
class connect_proxy {
  public:
    // What one CONNECT asked for, as the proxy read it.
    struct seen {
        std::string target;
        std::string host;
        std::string authorization;  // its Proxy-Authorization header, "" when absent
    };

    explicit connect_proxy(proxy_behaviour behaviour = proxy_behaviour());
    ~connect_proxy();
    connect_proxy(const connect_proxy&) = delete;
    connect_proxy& operator=(const connect_proxy&) = delete;

    std::uint16_t port() const;
    // "http://[userinfo@]127.0.0.1:PORT", as an HTTPS_PROXY value or a --proxy flag.
    std::string url(const std::string& userinfo = "") const;
    // "127.0.0.1:PORT": how the engine names the proxy in its errors and logs.
    std::string name() const;
    std::vector<seen> requests() const;
    std::size_t connections() const;  // TCP connections accepted, CONNECT or not

  private:
    struct state;
    std::unique_ptr<state> state_;
};

}  // namespace salvo::testing
