// The platform's wire format written and read without a json::value in between: JSON text
// (json_text), request bodies (write_instance_request) and instances read straight from an
// answer (parse_instance, parse_instances), each checked against Boost.JSON's DOM.
#include <salvo/platform/json_text.hpp>
#include <salvo/platform/types.hpp>

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <functional>
#include <random>
#include <string>
#include <vector>

namespace json = boost::json;
namespace platform = salvo::platform;
namespace json_text = salvo::platform::json_text;

namespace {

std::string written(std::string_view text) {
    std::string out;
    json_text::append_string(out, text);
    return out;
}

std::string written_value(const json::value& v) {
    std::string out;
    json_text::append_value(out, v);
    return out;
}

// What the DOM reader says about `text`: the instance as JSON, or "syntax: ...", or the
// invalid_field message.
std::string dom_instance(std::string_view text) {
    json::error_code ec;
    const json::value jv = json::parse(text, ec);
    if (ec) {
        return "syntax: " + ec.message();
    }
    try {
        return json::serialize(json::value_from(platform::instance_from_json(jv, "instance")));
    } catch (const platform::invalid_field& e) {
        return e.what();
    }
}

std::string sax_instance(std::string_view text) {
    json::error_code ec;
    try {
        const platform::instance i = platform::parse_instance(text, ec);
        if (ec) {
            return "syntax: " + ec.message();
        }
        return json::serialize(json::value_from(i));
    } catch (const platform::invalid_field& e) {
        return e.what();
    }
}

std::string dom_instances(std::string_view text) {
    json::error_code ec;
    const json::value jv = json::parse(text, ec);
    if (ec) {
        return "syntax: " + ec.message();
    }
    if (!jv.is_array()) {
        return "instances: not an array";
    }
    std::string out;
    try {
        std::size_t n = 0;
        for (const json::value& item : jv.get_array()) {
            out += json::serialize(json::value_from(
                platform::instance_from_json(item, "instances[" + std::to_string(n++) + "]")));
            out += '\n';
        }
    } catch (const platform::invalid_field& e) {
        return e.what();
    }
    return out;
}

std::string sax_instances(std::string_view text) {
    json::error_code ec;
    try {
        const auto list = platform::parse_instances(text, ec);
        if (ec) {
            return "syntax: " + ec.message();
        }
        std::string out;
        for (const auto& i : list) {
            out += json::serialize(json::value_from(i));
            out += '\n';
        }
        return out;
    } catch (const platform::invalid_field& e) {
        return e.what();
    }
}

const std::string good = R"({"id": 100001, "name": "acme", "token": "tok-SECRET-0123456789",
    "createdDate": "2024-05-01T12:34:56Z",
    "element": {"id": 4114, "key": "actessentials", "name": "Act! Essentials", "active": true},
    "valid": true, "disabled": false, "eventsEnabled": false,
    "tags": ["salvo-batch:demo", "team:a"],
    "configuration": {"username": "********", "nested": {"a": [1, {"b": null}]}}})";

// Answers of every shape the platform (or something in its place) might send.
const std::vector<std::string> answers = {
    good,
    R"({"id": 1, "token": "t", "name": "n", "element": {"key": "k"}})",
    R"({"id": 1, "token": "t", "name": "n", "element": {"key": "k"}, "tags": null,
        "valid": null, "disabled": null, "createdDate": null})",
    // missing, one at a time
    R"({"token": "t", "name": "n", "element": {"key": "k"}})",
    R"({"id": 1, "name": "n", "element": {"key": "k"}})",
    R"({"id": 1, "token": "t", "element": {"key": "k"}})",
    R"({"id": 1, "token": "t", "name": "n"})",
    R"({"id": 1, "token": "t", "name": "n", "element": {"id": 3}})",
    R"({"id": null, "token": "t", "name": "n", "element": {"key": "k"}})",
    // wrong types, and the order in which problems are named (not the document's)
    R"({"id": "1", "token": "t", "name": "n", "element": {"key": "k"}})",
    R"({"id": 1.5, "token": "t", "name": "n", "element": {"key": "k"}})",
    R"({"id": 18446744073709551615, "token": "t", "name": "n", "element": {"key": "k"}})",
    R"({"id": 9223372036854775807, "token": "t", "name": "n", "element": {"key": "k"}})",
    R"({"id": -5, "token": "t", "name": "n", "element": {"key": "k"}})",
    R"({"token": 5, "id": "x", "name": "n", "element": {"key": "k"}})",
    R"({"id": 1, "token": {"a": 1}, "name": "n", "element": {"key": "k"}})",
    R"({"id": 1, "token": "t", "name": ["n"], "element": {"key": "k"}})",
    R"({"id": 1, "token": "t", "name": "n", "element": "k"})",
    R"({"id": 1, "token": "t", "name": "n", "element": ["k"]})",
    R"({"id": 1, "token": "t", "name": "n", "element": {"key": 7}})",
    R"({"id": 1, "token": "t", "name": "n", "element": {"key": "k", "id": "7"}})",
    R"({"id": 1, "token": "t", "name": "n", "element": {"key": "k", "name": false}})",
    R"({"id": 1, "token": "t", "name": "n", "element": {"key": "k"}, "createdDate": 3})",
    R"({"id": 1, "token": "t", "name": "n", "element": {"key": "k"}, "tags": "a"})",
    R"({"id": 1, "token": "t", "name": "n", "element": {"key": "k"}, "tags": ["a", 2, null]})",
    R"({"id": 1, "token": "t", "name": "n", "element": {"key": "k"}, "tags": ["a", ["b"]]})",
    R"({"id": 1, "token": "t", "name": "n", "element": {"key": "k"}, "valid": "yes"})",
    R"({"id": 1, "token": "t", "name": "n", "element": {"key": "k"}, "disabled": 0})",
    R"({"id": 1, "token": "t", "name": "n", "element": {"key": "k"}, "tags": 1, "valid": 2})",
    // duplicate keys: the last one counts, as in the DOM
    R"({"id": 1, "id": "x", "token": "t", "name": "n", "element": {"key": "k"}})",
    R"({"id": "x", "id": 2, "token": "t", "name": "n", "element": {"key": "k"}})",
    R"({"id": 1, "token": "t", "name": "n", "element": {"key": "k"}, "element": null})",
    R"({"id": 1, "token": "t", "name": "n", "element": 5, "element": {"key": "k2"}})",
    R"({"id": 1, "token": "t", "name": "n", "element": {"key": "k", "key": "k2"}})",
    R"({"id": 1, "token": "t", "name": "n", "element": {"key": "k"}, "tags": [1], "tags": ["a"]})",
    R"({"id": 1, "token": "t", "name": "n", "element": {"key": "k"}, "tags": ["a"], "tags": 1})",
    // fields nested elsewhere are not the instance's
    R"({"x": {"id": "bad", "token": 1}, "id": 1, "token": "t", "name": "n",
        "element": {"key": "k", "x": {"key": 5}}})",
    R"({"configuration": {"id": 1, "token": "t", "name": "n", "element": {"key": "k"}}})",
    // escapes and text in parts
    R"({"id": 1, "token": "t\"\\\/\b\f\n\r\tq\u00e9\ud83d\ude00", "name": "na\u0000me",
        "element": {"key": "k\u001f"}, "tags": ["\u2028", "caf\u00e9"], "\u0069d": 2})",
    "{\"id\": 1, \"token\": \"t\", \"name\": \"caf\xC3\xA9 \xE2\x82\xAC\", \"element\": "
    "{\"key\": \"k\"}}",
    R"({"id": 1, "token": ")" + std::string(5000, 'x') + R"(\n", "name": "n",
        "element": {"key": "k"}, "tags": [")" +
        std::string(3000, 'y') + R"(\t"]})",
    // not an object, and not JSON
    "[]",
    "null",
    "42",
    "\"text\"",
    "",
    "   ",
    "{",
    R"({"id": 1,})",
    R"({"id": 1} trailing)",
    R"({"id": 1} {"id": 2})",
    R"({"id": 1, "token": "t", "name": "n", "element": {"key": "k"}}   )",
    "{\"id\": 1, \"token\": \"\xFF\", \"name\": \"n\", \"element\": {\"key\": \"k\"}}",
    "{\"id\": 1, \"token\": \"a\nb\"}",
    R"({"id": 01})",
    R"({"id": 1, "token": "t", "name": "n", "element": {"key": "k"}, "x": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]})",
    R"({"id": 1 /* comment */})",
    "<html>Bad Gateway</html>",
};

}  // namespace

BOOST_AUTO_TEST_SUITE(wire)

BOOST_AUTO_TEST_CASE(strings_are_escaped_as_boost_json_does) {
    BOOST_TEST(written("") == R"("")");
    BOOST_TEST(written("plain text") == R"("plain text")");
    BOOST_TEST(written(R"(say "hi")") == R"("say \"hi\"")");
    BOOST_TEST(written(R"(C:\path\)") == R"("C:\\path\\")");
    BOOST_TEST(written("a/b") == R"("a/b")");
    BOOST_TEST(written("\b\f\n\r\t") == R"("\b\f\n\r\t")");
    BOOST_TEST(written(std::string_view("\0\x01\x1f\x7f", 4)) == "\"\\u0000\\u0001\\u001f\x7f\"");
    BOOST_TEST(written("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80") ==
               "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"");
    // every byte value, against Boost.JSON's serializer
    std::string all;
    for (int c = 0; c < 256; ++c) {
        all.push_back(static_cast<char>(c));
    }
    BOOST_TEST(written(all) == json::serialize(json::string(all)));
    // each special byte at each position of strings around the 8-byte steps
    const char specials[] = {'"', '\\', '\0', '\x1f', '\n', ' ', '\x7f', '\x80', '\xff', '/', '!'};
    for (std::size_t length = 1; length <= 34; ++length) {
        for (std::size_t at = 0; at < length; ++at) {
            for (const char special : specials) {
                std::string text(length, 'a');
                text[at] = special;
                text[length - 1 - at] = special == '"' ? '\\' : '"';
                BOOST_TEST(written(text) == json::serialize(json::string(text)));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(values_are_written_as_boost_json_does) {
    const json::value samples[] = {
        nullptr,
        true,
        false,
        0,
        -1,
        std::int64_t(-9223372036854775807LL - 1),
        std::uint64_t(18446744073709551615ULL),
        1.5,
        -0.0,
        1e300,
        "text \"quoted\" \\ \n",
        json::array{},
        json::object{},
        json::parse(R"({"a": [1, "two", {"three": 3.25, "four": null}], "b": {}, "c": []})"),
        json::parse(R"({"k\"ey": "v\u0001", "\u00e9": ["\ud83d\ude00"]})"),
    };
    for (const json::value& v : samples) {
        BOOST_TEST(written_value(v) == json::serialize(v));
    }
    // random documents
    std::mt19937 rng(7);
    const auto random_text = [&] {
        std::string s;
        const std::size_t n = rng() % 12;
        for (std::size_t i = 0; i < n; ++i) {
            s.push_back(static_cast<char>(rng() % 128));
        }
        return s;
    };
    std::function<json::value(int)> random_value = [&](int depth) -> json::value {
        switch (rng() % (depth > 3 ? 5 : 7)) {
            case 0:
                return nullptr;
            case 1:
                return rng() % 2 == 0;
            case 2:
                return static_cast<std::int64_t>(rng()) - (1LL << 31);
            case 3:
                return static_cast<double>(rng()) / 7.0;
            case 4:
                return json::string(random_text());
            case 5: {
                json::array a;
                for (std::size_t i = rng() % 4; i > 0; --i) {
                    a.push_back(random_value(depth + 1));
                }
                return a;
            }
            default: {
                json::object o;
                for (std::size_t i = rng() % 4; i > 0; --i) {
                    o[random_text()] = random_value(depth + 1);
                }
                return o;
            }
        }
    };
    for (int n = 0; n < 300; ++n) {
        const json::value v = random_value(0);
        BOOST_TEST(written_value(v) == json::serialize(v));
    }
}

BOOST_AUTO_TEST_CASE(request_bodies_are_what_value_from_gives) {
    const platform::instance_request requests[] = {
        {"actessentials", "acme", {{"username", "u"}, {"password", "p"}}, {"team:a", "x"}},
        {"k", "n", {}, {}},
        {"we\"ird\\key",
         "name\n\t\x01 caf\xC3\xA9",
         {{"nested", {{"a", json::array{1, 2.5, nullptr, true}}}}, {"q\"", "\u00e9"}},
         {"t\"1", ""}},
    };
    for (const auto& r : requests) {
        std::string body;
        platform::write_instance_request(body, r);
        BOOST_TEST(body == json::serialize(json::value_from(r)));
        BOOST_TEST(json::value_to<platform::instance_request>(json::parse(body)).name == r.name);
    }
    // the parts form: the extra tags come after the entry's own
    std::string body = "prefix:";
    const std::vector<std::string> tags{"team:a"};
    const std::string_view more[] = {"salvo-batch:b", "salvo-key:0123456789abcdef"};
    platform::write_instance_request(body, "k", "n", json::object{{"x", 1}}, tags, more);
    BOOST_TEST(body == R"(prefix:{"element":{"key":"k"},"name":"n","configuration":{"x":1},)"
                       R"("tags":["team:a","salvo-batch:b","salvo-key:0123456789abcdef"]})");
    body.clear();
    platform::write_instance_request(body, "k", "n", {}, {}, more);
    BOOST_TEST(body == R"({"element":{"key":"k"},"name":"n","configuration":{},)"
                       R"("tags":["salvo-batch:b","salvo-key:0123456789abcdef"]})");
}

BOOST_AUTO_TEST_CASE(an_instance_read_from_text_is_the_one_the_dom_reads) {
    const platform::instance i = [] {
        json::error_code ec;
        auto read = platform::parse_instance(good, ec);
        BOOST_TEST(!ec);
        return read;
    }();
    BOOST_TEST(i == platform::instance_from_json(json::parse(good)));
    BOOST_TEST(i.token == "tok-SECRET-0123456789");
    BOOST_TEST(i.element.name == "Act! Essentials");
    BOOST_TEST((i.tags == std::vector<std::string>{"salvo-batch:demo", "team:a"}));
    for (const std::string& text : answers) {
        BOOST_TEST_CONTEXT("answer " << text) {
            BOOST_TEST(sax_instance(text) == dom_instance(text));
        }
    }
}

BOOST_AUTO_TEST_CASE(a_created_instance_is_checked_as_fully_and_keeps_id_token_and_name) {
    for (const std::string& text : answers) {
        BOOST_TEST_CONTEXT("answer " << text) {
            json::error_code full_ec;
            json::error_code lean_ec;
            std::string full_problem;
            std::string lean_problem;
            platform::instance full;
            platform::created_instance lean;
            try {
                full = platform::parse_instance(text, full_ec);
            } catch (const platform::invalid_field& e) {
                full_problem = e.what();
            }
            try {
                lean = platform::parse_created_instance(text, lean_ec);
            } catch (const platform::invalid_field& e) {
                lean_problem = e.what();
            }
            BOOST_TEST(lean_ec == full_ec);
            BOOST_TEST(lean_problem == full_problem);
            if (!full_ec && full_problem.empty()) {
                BOOST_TEST(lean.id == full.id);
                BOOST_TEST(lean.token == full.token);
                BOOST_TEST(lean.name == full.name);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(malformed_answers_name_the_field) {
    BOOST_TEST(sax_instance(R"({"token": "t", "name": "n", "element": {"key": "k"}})") ==
               "instance.id: missing");
    BOOST_TEST(sax_instance(R"({"id": 1, "token": 5, "name": "n", "element": {"key": "k"}})") ==
               "instance.token: not a string");
    BOOST_TEST(sax_instance(R"({"id": 1, "token": "t", "name": "n", "element": {}})") ==
               "instance.element.key: missing");
    BOOST_TEST(sax_instance(R"({"id": 1, "token": "t", "name": "n", "element": {"key": "k"},
                                "tags": ["a", 2]})") == "instance.tags[1]: not a string");
    BOOST_TEST(sax_instance("[]") == "instance: not an object");
    BOOST_TEST(sax_instance(R"({"id": 1)") == "syntax: " + dom_instance(R"({"id": 1)").substr(8));
    // the value is never quoted
    BOOST_TEST(sax_instance(R"({"id": 1, "token": "t", "name": "n", "element": {"key": "k"},
                                "valid": "SECRET-VALUE"})") == "instance.valid: not a boolean");
    json::error_code ec;
    BOOST_CHECK_THROW((void)platform::parse_instance(R"({"id": "x"})", ec, "answer"),
                      platform::invalid_field);
    try {
        (void)platform::parse_instance(R"({"id": "x"})", ec, "answer");
    } catch (const platform::invalid_field& e) {
        BOOST_TEST(std::string(e.what()) == "answer.id: not an integer");
    }
}

BOOST_AUTO_TEST_CASE(a_list_read_from_text_is_the_one_the_dom_reads) {
    std::vector<std::string> lists = {"[]", "{}", "null", "[null]", "[1]", "[[]]", "[{}]"};
    for (std::size_t a = 0; a < answers.size(); ++a) {
        lists.push_back("[" + answers[a] + "]");
        lists.push_back("[" + good + ", " + answers[a] + ", " + good + "]");
        lists.push_back("[" + answers[a] + ", " + answers[(a + 7) % answers.size()] + "]");
    }
    lists.push_back("[" + good + ", 5, {\"id\": \"x\"}]");
    lists.push_back("[" + good + ", {\"id\": \"x\"}, 5]");
    for (const std::string& text : lists) {
        BOOST_TEST_CONTEXT("list " << text) {
            BOOST_TEST(sax_instances(text) == dom_instances(text));
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
