// What the engine sends and what it gives back.
#pragma once

#include <salvo/http/error.hpp>

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/url/url.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace salvo::http {

using verb = boost::beast::http::verb;
using fields = boost::beast::http::fields;
using clock = std::chrono::steady_clock;

struct request {
    verb method = verb::get;
    boost::urls::url url;  // http:// or https://; the origin picks the connection pool
    fields headers;        // Host, Content-Length and Connection are set by the engine
    // Headers common to many requests (credentials, content type), sent before `headers`:
    // one immutable set made once and shared, where copying `headers` allocates per field.
    std::shared_ptr<const fields> shared_headers;
    std::string body;

    // Unset: GET, HEAD, OPTIONS, TRACE, PUT and DELETE are idempotent (RFC 9110 §9.2.2).
    std::optional<bool> idempotent;
    // Unset: the client's options. The deadline bounds everything: pool wait, connect, retries.
    std::optional<clock::duration> attempt_timeout;
    std::optional<clock::duration> timeout;
    // False: this request is sent at most once (no policy retry; the transparent retry of a
    // stale keep-alive connection still applies when nothing was written).
    bool retry = true;

    bool is_idempotent() const noexcept;
};

struct response {
    unsigned status = 0;  // 0 when no response arrived
    fields headers;
    std::string body;

    // Filled on failure too: how far the request got, and a human-readable account of what
    // went wrong (peer address, system error, certificate problem). Never holds request data.
    http::delivery delivery = delivery::not_sent;
    std::string diagnostic;
    int attempts = 0;  // attempts made, transparent retries included
};

}  // namespace salvo::http
