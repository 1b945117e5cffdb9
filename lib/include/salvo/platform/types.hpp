// The platform's instance API as types: instances, create requests, error bodies, pages.
// Each converts to and from Boost.JSON (`boost::json::value_from` / `value_to`) in the
// platform's own field names; `to_string` prints one without its secrets.
#pragma once

#include <boost/json/fwd.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/system/error_code.hpp>

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace salvo::platform {

// A JSON document that does not have the shape a type expects. `what()` names the field by its
// path, e.g. "instance.id: missing" or "instances[3].tags[0]: not a string"; it never quotes a
// value, so it holds no secret.
class invalid_field : public std::invalid_argument {
  public:
    using std::invalid_argument::invalid_argument;
};

// The connector an instance belongs to. Only `key` is required when reading one.
struct element_ref {
    std::int64_t id = 0;
    std::string key;
    std::string name;

    friend bool operator==(const element_ref&, const element_ref&) = default;
};

// A connector instance as the platform returns it (configuration is left out: its values are
// masked by the platform anyway). `token` is a secret: it authenticates calls to the instance.
struct instance {
    std::int64_t id = 0;
    std::string token;
    std::string name;
    std::string created_date;  // as sent, e.g. "2024-05-01T12:34:56Z"; empty when absent
    element_ref element;
    std::vector<std::string> tags;
    bool valid = false;
    bool disabled = false;

    friend bool operator==(const instance&, const instance&) = default;
};

// The body of `POST /instances`. Every configuration value is a secret.
struct instance_request {
    std::string element_key;
    std::string name;
    boost::json::object configuration;
    std::vector<std::string> tags;
};

// An error answer of the platform: its HTTP status and the fields of its JSON body
// (`{"requestId", "message", "providerMessage"?}`); empty strings for what the body lacked.
struct api_error {
    unsigned status = 0;
    std::string message;
    std::string request_id;
    std::string provider_message;

    friend bool operator==(const api_error&, const api_error&) = default;
};

// One page of `GET /instances`.
struct instance_page {
    std::vector<instance> instances;
    std::string next_page;               // `elements-next-page-token`; empty on the last page
    std::optional<std::uint64_t> total;  // `elements-total-count`, when the platform sent it
};

// JSON conversions, found by argument-dependent lookup. Reading throws invalid_field on a
// missing required field or a field of the wrong type (required: instance id, token, name and
// element.key; instance_request element.key and name; nothing in api_error).
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const element_ref& e);
element_ref tag_invoke(const boost::json::value_to_tag<element_ref>&, const boost::json::value& jv);
// {"id","token","name","createdDate","element":{"id","key","name"},"tags","valid","disabled"}
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const instance& i);
instance tag_invoke(const boost::json::value_to_tag<instance>&, const boost::json::value& jv);
// {"element":{"key"},"name","configuration","tags"}: the request body, secrets included.
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv,
                const instance_request& r);
instance_request tag_invoke(const boost::json::value_to_tag<instance_request>&,
                            const boost::json::value& jv);
// {"status","message","requestId","providerMessage"?}
void tag_invoke(const boost::json::value_from_tag&, boost::json::value& jv, const api_error& e);
api_error tag_invoke(const boost::json::value_to_tag<api_error>&, const boost::json::value& jv);

// Reads an instance, naming fields from `path` in errors ("instances[3]" gives
// "instances[3].id: missing"). Throws invalid_field.
instance instance_from_json(const boost::json::value& jv, std::string_view path = "instance");

// The body of `POST /instances` for `r`, appended to `out`: the text that
// json::serialize(json::value_from(r)) gives, written directly (secrets included).
void write_instance_request(std::string& out, const instance_request& r);
// The same from its parts; the tags are `tags`, then `more_tags`.
void write_instance_request(std::string& out, std::string_view element_key, std::string_view name,
                            const boost::json::object& configuration,
                            std::span<const std::string> tags,
                            std::span<const std::string_view> more_tags = {});

// The same straight from JSON text (an answer's body), with no json::value in between: the same
// checks, in the same order, with the same messages. `ec` is set (and nothing else happens) when
// the text is not JSON; a document of the wrong shape throws invalid_field.
instance parse_instance(std::string_view text, boost::system::error_code& ec,
                        std::string_view path = "instance");
// A JSON array of instances, named "instances[3]" in errors.
std::vector<instance> parse_instances(std::string_view text, boost::system::error_code& ec);

// What a bulk caller keeps of an instance it created. The answer it comes from is checked as
// parse_instance checks it (the same problems, the same messages); only these are kept.
struct created_instance {
    std::int64_t id = 0;
    std::string token;  // a secret
    std::string name;

    friend bool operator==(const created_instance&, const created_instance&) = default;
};
created_instance parse_created_instance(std::string_view text, boost::system::error_code& ec);

// Printable forms, never holding a secret: the instance as JSON with "token":"***"; the request
// as JSON with every configuration value "***" (keys kept); the error as one line.
std::string to_string(const instance& i);
std::string to_string(const instance_request& r);
std::string to_string(const api_error& e);
std::ostream& operator<<(std::ostream& os, const instance& i);
std::ostream& operator<<(std::ostream& os, const instance_request& r);
std::ostream& operator<<(std::ostream& os, const api_error& e);

}  // namespace salvo::platform
