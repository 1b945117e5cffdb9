// libFuzzer: the platform's response parsers on arbitrary JSON: instance (single and array, as a
// page), api_error, element_ref, instance_request. Documented: reading throws invalid_field and
// nothing else; what reads back must survive a round trip; printing never shows the token.
#include <salvo/platform/types.hpp>

#include <boost/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace json = boost::json;
namespace platform = salvo::platform;

namespace {

template <class F>
void reading(F&& f) {
    try {
        f();
    } catch (const platform::invalid_field&) {
        // the documented way to refuse a document
    }
}

void check_instance(const platform::instance& i) {
    const json::value back = json::value_from(i);
    if (platform::instance_from_json(back) != i) {
        std::abort();  // a round trip changed the instance
    }
    const json::value printed = json::parse(platform::to_string(i));
    if (!i.token.empty() && i.token != "***") {
        const auto* token = printed.as_object().if_contains("token");
        if (token != nullptr && token->is_string() && token->as_string() == i.token) {
            std::abort();  // the token was printed
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    boost::system::error_code ec;
    const json::value jv = json::parse(text, ec);
    if (ec) {
        return 0;
    }
    reading([&] { check_instance(platform::instance_from_json(jv)); });
    if (const auto* array = jv.if_array()) {
        std::size_t index = 0;
        for (const auto& element : *array) {
            std::string path = "instances[";
            path += std::to_string(index++);
            path += ']';
            reading([&] { check_instance(platform::instance_from_json(element, path)); });
        }
    }
    reading([&] {
        const auto e = json::value_to<platform::api_error>(jv);
        (void)platform::to_string(e);
    });
    reading([&] { (void)json::value_to<platform::element_ref>(jv); });
    reading([&] {
        const auto r = json::value_to<platform::instance_request>(jv);
        (void)platform::to_string(r);
        (void)json::value_from(r);
    });
    return 0;
}
