// libFuzzer: the platform's response parsers on arbitrary JSON: instance (single and array, as a
// page), api_error, element_ref, instance_request. Documented: reading throws invalid_field and
// nothing else; what reads back must survive a round trip; printing never shows the token. The
// readers straight from text (parse_instance, parse_instances, parse_created_instance) must agree
// with the DOM reader on every input: the same instance, or the same first problem in the same
// words, and "not JSON" exactly when the DOM parser says so.
#include <salvo/platform/types.hpp>

#include <boost/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// What a reader made of a document: the value, or the invalid_field message.
template <class T>
struct outcome {
    std::optional<T> value;
    std::string problem;
};

template <class T, class F>
outcome<T> read(F&& f) {
    outcome<T> o;
    try {
        o.value = f();
    } catch (const platform::invalid_field& e) {
        o.problem = e.what();
    }
    return o;
}

template <class T>
void same(const outcome<T>& dom, const outcome<T>& text) {
    if (dom.value != text.value || dom.problem != text.problem) {
        std::abort();  // the text reader disagrees with the DOM reader
    }
}

void check_text_readers(std::string_view text, const json::value* jv) {
    boost::system::error_code ec;
    const auto single =
        read<platform::instance>([&] { return platform::parse_instance(text, ec); });
    if ((jv == nullptr) != static_cast<bool>(ec)) {
        std::abort();  // not JSON for one parser and JSON for the other
    }
    if (jv == nullptr) {
        return;
    }
    same(read<platform::instance>([&] { return platform::instance_from_json(*jv); }), single);

    ec = {};
    const auto created = read<platform::created_instance>(
        [&] { return platform::parse_created_instance(text, ec); });
    if (ec) {
        std::abort();
    }
    same(read<platform::created_instance>([&] {
             const auto i = platform::instance_from_json(*jv);
             return platform::created_instance{i.id, i.token, i.name};
         }),
         created);

    if (const auto* array = jv->if_array()) {
        ec = {};
        const auto many = read<std::vector<platform::instance>>(
            [&] { return platform::parse_instances(text, ec); });
        if (ec) {
            std::abort();
        }
        same(read<std::vector<platform::instance>>([&] {
                 std::vector<platform::instance> out;
                 std::size_t index = 0;
                 for (const auto& element : *array) {
                     std::string path = "instances[";
                     path += std::to_string(index++);
                     path += ']';
                     out.push_back(platform::instance_from_json(element, path));
                 }
                 return out;
             }),
             many);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    boost::system::error_code ec;
    const json::value jv = json::parse(text, ec);
    check_text_readers(text, ec ? nullptr : &jv);
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
