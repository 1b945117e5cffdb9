// salvo::platform::client - the Open Connectors instance API over the engine, as coroutines.
//
//   salvo::http::client http(io.get_executor());
//   salvo::platform::client api(http, {user_secret, org_secret});
//   auto created = co_await api.create_instance({"actessentials", "acme", config, {"team:a"}});
//   if (!created) std::cerr << created.error() << '\n';  // redacted; says whether it was sent
//
// Every call completes with a result<T>: the value, or a failure (engine error, platform error
// answer, or an answer that does not parse). Nothing throws out of a call but std::bad_alloc.
// The client holds no per-call state: any number of coroutines on any threads may use one client
// at once. It must outlive the calls it started, and so must the http::client.
#pragma once

#include <salvo/http/client.hpp>
#include <salvo/platform/redactor.hpp>
#include <salvo/platform/result.hpp>
#include <salvo/platform/types.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/url/url.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace salvo::platform {

inline constexpr std::string_view default_base_url =
    "https://api.cloud-elements.com/elements/api-v2";
inline constexpr unsigned max_page_size = 200;

struct credentials {
    std::string user_secret;
    std::string org_secret;
};

// Per-call settings handed to the engine (see http::request); unset: the engine's options.
struct call_options {
    std::optional<http::clock::duration> attempt_timeout;
    std::optional<http::clock::duration> timeout;
    bool retry = true;  // false: the engine sends the request at most once
};

class client {
  public:
    // `base_url` keeps its path: calls go to `<base_url>/instances` and so on. The credentials
    // are added to secrets().
    client(http::client& http, credentials creds,
           boost::urls::url base_url = boost::urls::url(default_base_url));
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    // POST /instances. The request's configuration values are redacted from the failure.
    boost::asio::awaitable<result<instance>> create_instance(instance_request request,
                                                             call_options options = {});

    // The same with the body already written (write_instance_request), as an Asio
    // asynchronous operation completing with result<created_instance>: a bulk caller writes an
    // entry's body once, may send it again, and awaits the engine directly (no coroutine frame
    // of the client's in between). `configuration` is the one in the body (its values are
    // redacted from the failure). Both must outlive the operation. The answer is checked as
    // fully; only what a bulk caller keeps of it is returned (parse_created_instance).
    //   auto created = co_await api.async_create_instance(body, configuration);
    template <boost::asio::completion_token_for<void(result<created_instance>)> Token =
                  boost::asio::deferred_t>
    auto async_create_instance(std::string_view body, const boost::json::object& configuration,
                               call_options options = {}, Token&& token = {}) {
        return http_->async_send(
            create_request(body, options),
            boost::asio::deferred(
                [this, &configuration](boost::system::error_code ec, http::response res) {
                    return boost::asio::deferred.values(created_answer(ec, res, configuration));
                }))(std::forward<Token>(token));
    }

    // GET /instances?tags[]=T...&pageSize=N[&nextPage=P]: one page of the instances carrying
    // every tag. page_size is 1..200 (else error::invalid_argument, nothing sent); next_page
    // is the previous page's instance_page::next_page, empty for the first page.
    boost::asio::awaitable<result<instance_page>> list_instances(std::vector<std::string> tags,
                                                                 unsigned page_size = max_page_size,
                                                                 std::string next_page = {},
                                                                 call_options options = {});

    // Every page of list_instances, followed in order: all instances in one page, next_page
    // empty, total from the first page. Fails as soon as one page fails (or a page token
    // repeats, error::invalid_response).
    boost::asio::awaitable<result<instance_page>> list_all_instances(
        std::vector<std::string> tags, unsigned page_size = max_page_size,
        call_options options = {});

    // GET /instances/{id}
    boost::asio::awaitable<result<instance>> get_instance(std::int64_t id,
                                                          call_options options = {});

    // DELETE /instances/{id}
    boost::asio::awaitable<result<>> delete_instance(std::int64_t id, call_options options = {});

    const boost::urls::url& base_url() const noexcept { return base_url_; }
    http::client& engine() const noexcept { return *http_; }
    // The run's secrets, redacted from every failure message; callers may add their own and use
    // it for their output.
    redactor& secrets() noexcept { return secrets_; }
    const redactor& secrets() const noexcept { return secrets_; }

  private:
    boost::urls::url url_for(std::string_view path) const;  // base_url_ + path
    boost::urls::url instance_url(std::int64_t id) const;   // .../instances/{id}
    http::request make_request(http::verb method, const boost::urls::url& url,
                               const call_options& options) const;
    http::request create_request(std::string_view body, const call_options& options) const;
    // The engine's completion: an engine error or an error answer becomes a failure (redacted,
    // with `configuration`'s values when given); nullopt for a 2xx answer, left in `res`.
    std::optional<failure> settle(std::string_view call, const boost::system::error_code& ec,
                                  http::response& res,
                                  const boost::json::object* configuration) const;
    // settle(), then a 2xx answer read by `parse` (its problems: an invalid_response failure).
    template <class T, class Parse>
    result<T> answer(std::string_view call, const boost::system::error_code& ec,
                     http::response& res, const boost::json::object* configuration,
                     Parse parse) const;
    // async_create_instance's completion: the engine's outcome read as a created instance.
    result<created_instance> created_answer(const boost::system::error_code& ec,
                                            http::response& res,
                                            const boost::json::object& configuration) const;

    http::client* http_;
    boost::urls::url base_url_;
    boost::urls::url instances_url_;  // base_url_ + /instances, made once
    std::string authorization_;
    // Authorization and Accept, and for requests with a JSON body Content-Type too: made once,
    // shared by every request (http::request::shared_headers).
    std::shared_ptr<const http::fields> headers_;
    std::shared_ptr<const http::fields> json_body_headers_;
    redactor secrets_;
};

}  // namespace salvo::platform
