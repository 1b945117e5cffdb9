// The Prometheus text exposition format, checked line by line. The engine's to_prometheus and
// the CLI's --metrics-file both promise it, and a scraper rejects a whole file for one bad line,
// so both are held to the same grammar here.
#pragma once

#include "support/lines.hpp"

#include <boost/test/unit_test.hpp>

#include <regex>
#include <set>
#include <string>

namespace salvo::testing {

// Every line is a HELP, a TYPE or a sample; every sample belongs to a family announced by HELP
// and TYPE before it (a summary's `_count` to the summary); no family is announced twice; the
// text ends with '\n'.
inline void check_exposition_format(const std::string& text) {
    static const std::regex sample(
        R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="[^"\\\n]*"\})? (-?[0-9.e+-]+))");
    static const std::regex type(R"(# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|summary))");
    static const std::regex help(R"(# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) [^\n]+)");
    BOOST_TEST_REQUIRE(!text.empty());
    BOOST_TEST(text.back() == '\n');
    std::set<std::string> families, helped;
    std::string summary;
    for (const auto& line : lines_of(text)) {
        std::smatch m;
        if (std::regex_match(line, m, help)) {
            helped.insert(m[1]);
        } else if (std::regex_match(line, m, type)) {
            BOOST_TEST(helped.count(m[1]) == 1u, line);
            BOOST_TEST(families.insert(m[1]).second, "family announced twice: " << line);
            if (m[2] == "summary") {
                summary = m[1];
            }
        } else if (std::regex_match(line, m, sample)) {
            std::string name = m[1];
            if (!summary.empty() && name == summary + "_count") {
                name = summary;
            }
            BOOST_TEST(families.count(name) == 1u, "sample without a TYPE: " << line);
        } else {
            BOOST_ERROR("not exposition format: '" << line << "'");
        }
    }
}

}  // namespace salvo::testing
