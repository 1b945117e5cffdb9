// The instance API over the engine: typed calls in, requests out; responses in, results out.
#include <salvo/platform/client.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/json.hpp>

#include <charconv>
#include <set>
#include <tuple>

namespace salvo::platform {

namespace asio = boost::asio;
namespace json = boost::json;
using boost::system::error_code;
using field = boost::beast::http::field;

namespace {

constexpr std::string_view next_page_header = "elements-next-page-token";
constexpr std::string_view total_count_header = "elements-total-count";

std::string_view delivery_text(http::delivery d) noexcept {
    switch (d) {
        case http::delivery::not_sent:
            return "not sent";
        case http::delivery::sent:
            return "sent, no answer";
        case http::delivery::answered:
            return "answered";
    }
    return "unknown delivery";
}

failure answered_failure(std::string_view call, error code, http::response& res) {
    failure f;
    f.code = code;
    f.call = call;
    f.delivery = http::delivery::answered;
    f.status = res.status;
    f.headers = std::move(res.headers);
    f.attempts = res.attempts;
    return f;
}

failure invalid_response(std::string_view call, http::response& res, std::string_view problem,
                         const redactor& secrets, std::span<const std::string> extra) {
    failure f = answered_failure(call, error::invalid_response, res);
    std::string message(call);
    message += ": invalid response (HTTP " + std::to_string(f.status) + "): ";
    message += problem;
    f.message = secrets.redact(message, extra);
    return f;
}

// The values of `configuration`, the request's secrets: only a failure needs them.
std::vector<std::string> secret_values(const json::object* configuration) {
    std::vector<std::string> out;
    if (configuration != nullptr) {
        for (const auto& item : *configuration) {
            collect_secret_values(item.value(), out);
        }
    }
    return out;
}

// An answer's body read as one instance (parse_instance with its default path).
instance read_instance(std::string_view text, error_code& ec) {
    return parse_instance(text, ec);
}

// The answer's body read by `parse` (parse_instance, parse_instances); text that is not JSON
// or a document of the wrong shape becomes an invalid_response failure.
template <class T, class Parse>
result<T> read_answer(std::string_view call, http::response& res, const redactor& secrets,
                      const json::object* configuration, Parse parse) {
    error_code ec;
    std::string problem;
    try {
        T value = parse(std::string_view(res.body), ec);
        if (!ec) {
            return value;
        }
        problem = "body is not JSON (" + ec.message() + ")";
    } catch (const invalid_field& e) {
        problem = e.what();
    }
    return invalid_response(call, res, problem, secrets, secret_values(configuration));
}

void append_encoded(std::string& out, std::string_view text) {
    constexpr std::string_view hex = "0123456789ABCDEF";
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            out += c;
        } else {
            out += '%';
            out += hex[u >> 4];
            out += hex[u & 0xF];
        }
    }
}

void append_param(std::string& query, std::string_view key, std::string_view value) {
    if (!query.empty()) {
        query += '&';
    }
    append_encoded(query, key);
    query += '=';
    append_encoded(query, value);
}

std::string joined_path(const boost::urls::url& base, std::string_view suffix) {
    std::string path(base.encoded_path());
    while (!path.empty() && path.back() == '/') {
        path.pop_back();
    }
    path += suffix;
    return path;
}

}  // namespace

client::client(http::client& http, credentials creds, boost::urls::url base_url)
    : http_(&http),
      base_url_(std::move(base_url)),
      authorization_("User " + creds.user_secret + ", Organization " + creds.org_secret) {
    base_url_.remove_fragment();
    instances_url_ = url_for("/instances");
    auto headers = std::make_shared<http::fields>();
    headers->set(field::authorization, authorization_);
    headers->set(field::accept, "application/json");
    auto json_body_headers = std::make_shared<http::fields>(*headers);
    json_body_headers->set(field::content_type, "application/json");
    headers_ = std::move(headers);
    json_body_headers_ = std::move(json_body_headers);
    secrets_.add(creds.user_secret);
    secrets_.add(creds.org_secret);
}

boost::urls::url client::url_for(std::string_view path) const {
    boost::urls::url url = base_url_;
    url.set_encoded_path(joined_path(base_url_, path));
    return url;
}

boost::urls::url client::instance_url(std::int64_t id) const {
    std::string path = "/instances/";
    path += std::to_string(id);
    return url_for(path);
}

http::request client::make_request(http::verb method, const boost::urls::url& url,
                                   const call_options& options) const {
    http::request req;
    req.method = method;
    req.url = url;
    req.shared_headers = headers_;
    req.attempt_timeout = options.attempt_timeout;
    req.timeout = options.timeout;
    req.retry = options.retry;
    return req;
}

std::optional<failure> client::settle(std::string_view call, const error_code& ec,
                                      http::response& res,
                                      const json::object* configuration) const {
    if (ec) {
        failure f;
        f.code = ec;
        f.call = call;
        f.delivery = res.delivery;
        f.status = res.status;
        f.headers = std::move(res.headers);
        f.attempts = res.attempts;
        std::string message(call);
        message += ": ";
        message += ec.message();
        message += " [";
        message += delivery_text(res.delivery);
        message += ']';
        if (!res.diagnostic.empty()) {
            message += ": ";
            message += res.diagnostic;
        }
        f.message = secrets_.redact(message, secret_values(configuration));
        return f;
    }

    if (res.status < 200 || res.status > 299) {
        const std::vector<std::string> extra = secret_values(configuration);
        api_error body;
        error_code json_ec;
        const json::value jv = json::parse(res.body, json_ec);
        if (!json_ec) {
            body = json::value_to<api_error>(jv);
        }
        body.status = res.status;
        body.message = secrets_.redact(body.message, extra);
        body.provider_message = secrets_.redact(body.provider_message, extra);
        body.request_id = secrets_.redact(body.request_id, extra);
        if (body.message.empty()) {
            body.message = std::string(boost::beast::http::obsolete_reason(
                static_cast<boost::beast::http::status>(res.status)));
        }
        failure f = answered_failure(call, error::api_error, res);
        f.message = std::string(call) + ": " + to_string(body);
        f.api = std::move(body);
        return f;
    }
    return std::nullopt;
}

template <class T, class Parse>
result<T> client::answer(std::string_view call, const error_code& ec, http::response& res,
                         const json::object* configuration, Parse parse) const {
    if (auto failed = settle(call, ec, res, configuration)) {
        return std::move(*failed);
    }
    return read_answer<T>(call, res, secrets_, configuration, parse);
}

http::request client::create_request(std::string_view body, const call_options& options) const {
    http::request req = make_request(http::verb::post, instances_url_, options);
    req.shared_headers = json_body_headers_;
    req.body.assign(body.data(), body.size());
    return req;
}

asio::awaitable<result<instance>> client::create_instance(instance_request request,
                                                          call_options options) {
    constexpr std::string_view call = "create_instance";
    std::string body;
    write_instance_request(body, request);
    auto sent =
        co_await http_->async_send(create_request(body, options), asio::as_tuple(asio::deferred));
    co_return answer<instance>(call, std::get<0>(sent), std::get<1>(sent), &request.configuration,
                               read_instance);
}

result<created_instance> client::created_answer(const error_code& ec, http::response& res,
                                                const json::object& configuration) const {
    return answer<created_instance>(
        "create_instance", ec, res, &configuration,
        [](std::string_view text, error_code& e) { return parse_created_instance(text, e); });
}

asio::awaitable<result<instance_page>> client::list_instances(std::vector<std::string> tags,
                                                              unsigned page_size,
                                                              std::string next_page,
                                                              call_options options) {
    constexpr std::string_view call = "list_instances";
    if (page_size == 0 || page_size > max_page_size) {
        failure f;
        f.code = error::invalid_argument;
        f.call = call;
        f.message = std::string(call) + ": page size must be 1 to " +
                    std::to_string(max_page_size) + ", not " + std::to_string(page_size);
        co_return f;
    }
    http::request req = make_request(http::verb::get, instances_url_, options);
    // Everything but unreserved characters percent-encoded: Tomcat-style servers reject a raw
    // `[` and decode a raw `+` in a page token as a space.
    std::string query;
    for (const std::string& tag : tags) {
        append_param(query, "tags[]", tag);
    }
    append_param(query, "pageSize", std::to_string(page_size));
    if (!next_page.empty()) {
        append_param(query, "nextPage", next_page);
    }
    req.url.set_encoded_query(query);

    auto sent = co_await http_->async_send(std::move(req), asio::as_tuple(asio::deferred));
    http::response& res = std::get<1>(sent);
    if (auto failed = settle(call, std::get<0>(sent), res, nullptr)) {
        co_return std::move(*failed);
    }
    instance_page page;
    if (const auto it = res.headers.find(total_count_header); it != res.headers.end()) {
        const std::string_view text = it->value();
        std::uint64_t total = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), total);
        if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
            co_return invalid_response(
                call, res, std::string(total_count_header) + " header: not a count", secrets_, {});
        }
        page.total = total;
    }
    if (const auto it = res.headers.find(next_page_header); it != res.headers.end()) {
        page.next_page = std::string(it->value());
    }
    auto instances = read_answer<std::vector<instance>>(
        call, res, secrets_, nullptr,
        [](std::string_view text, error_code& ec) { return parse_instances(text, ec); });
    if (!instances) {
        co_return std::move(instances).error();
    }
    page.instances = std::move(*instances);
    co_return page;
}

asio::awaitable<result<instance_page>> client::list_all_instances(std::vector<std::string> tags,
                                                                  unsigned page_size,
                                                                  call_options options) {
    instance_page all;
    std::set<std::string, std::less<>> seen;
    std::string next;
    for (bool first = true;; first = false) {
        auto page = co_await list_instances(tags, page_size, next, options);
        if (!page) {
            co_return std::move(page).error();
        }
        if (first) {
            all.total = page->total;
        }
        all.instances.insert(all.instances.end(), std::make_move_iterator(page->instances.begin()),
                             std::make_move_iterator(page->instances.end()));
        if (page->next_page.empty()) {
            break;
        }
        if (!seen.insert(page->next_page).second) {
            failure f;
            f.code = error::invalid_response;
            f.call = "list_all_instances";
            f.delivery = http::delivery::answered;
            f.status = 200;
            f.message = "list_all_instances: invalid response: a page token came back twice";
            co_return f;
        }
        next = std::move(page->next_page);
    }
    co_return all;
}

asio::awaitable<result<instance>> client::get_instance(std::int64_t id, call_options options) {
    constexpr std::string_view call = "get_instance";
    http::request req = make_request(http::verb::get, instance_url(id), options);
    auto sent = co_await http_->async_send(std::move(req), asio::as_tuple(asio::deferred));
    co_return answer<instance>(call, std::get<0>(sent), std::get<1>(sent), nullptr, read_instance);
}

asio::awaitable<result<>> client::delete_instance(std::int64_t id, call_options options) {
    constexpr std::string_view call = "delete_instance";
    http::request req = make_request(http::verb::delete_, instance_url(id), options);
    auto sent = co_await http_->async_send(std::move(req), asio::as_tuple(asio::deferred));
    if (auto failed = settle(call, std::get<0>(sent), std::get<1>(sent), nullptr)) {
        co_return std::move(*failed);
    }
    co_return result<>();
}

}  // namespace salvo::platform
