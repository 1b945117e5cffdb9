#include <chrono>
#include <optional>
#include <string>

#include <boost/test/unit_test.hpp>

#include "salvo/policy/random.hpp"
#include "salvo/policy/retry_after.hpp"

using namespace salvo::policy;
using namespace std::chrono;
using namespace std::chrono_literals;

namespace {

// The RFC 9110 example instant, Sun, 06 Nov 1994 08:49:37 GMT, minus `before`.
system_clock::time_point rfc_example_minus(system_clock::duration before) {
    return sys_days{1994y / November / 6} + 8h + 49min + 37s - before;
}

// -1 for nullopt, so failures print.
long long secs(std::optional<seconds> value) {
    return value ? value->count() : -1;
}

long long parse(std::string_view value, system_clock::time_point now = rfc_example_minus(0s)) {
    return secs(parse_retry_after(value, now));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(retry_after_header)

BOOST_AUTO_TEST_CASE(delay_seconds) {
    BOOST_TEST(parse("0") == 0);
    BOOST_TEST(parse("1") == 1);
    BOOST_TEST(parse("120") == 120);
    BOOST_TEST(parse("007") == 7);
    BOOST_TEST(parse("86400") == 86400);
    BOOST_TEST(parse("2147483647") == 2147483647LL);
}

BOOST_AUTO_TEST_CASE(surrounding_whitespace_is_allowed) {
    BOOST_TEST(parse(" 5") == 5);
    BOOST_TEST(parse("5 ") == 5);
    BOOST_TEST(parse("\t 5 \t") == 5);
    BOOST_TEST(parse("  Sun, 06 Nov 1994 08:49:37 GMT  ", rfc_example_minus(3s)) == 3);
}

BOOST_AUTO_TEST_CASE(negative_and_signed_values_are_ignored) {
    BOOST_TEST(parse("-1") == -1);
    BOOST_TEST(parse("-0") == -1);
    BOOST_TEST(parse("+5") == -1);
}

BOOST_AUTO_TEST_CASE(garbage_is_ignored) {
    for (const std::string_view value : {"",
                                         " ",
                                         "\t",
                                         "abc",
                                         "1.5",
                                         "1,5",
                                         "1e3",
                                         "0x10",
                                         "12 34",
                                         "5s",
                                         "5 s",
                                         "five",
                                         "\xff\xfe",
                                         "1\n",
                                         "\n1",
                                         "Sun",
                                         "Sun,",
                                         "GMT",
                                         "Sun, 06 Nov 1994",
                                         "Sun, 06 Nov 1994 08:49:37",
                                         "Sun, 06 Nov 1994 08:49:37 UTC",
                                         "Sun, 06 Nov 1994 08:49:37 gmt",
                                         "sun, 06 Nov 1994 08:49:37 GMT",
                                         "Sun, 06 nov 1994 08:49:37 GMT",
                                         "Sun, 6 Nov 1994 08:49:37 GMT",
                                         "Sun, 06 Nov 94 08:49:37 GMT",
                                         "Sun,06 Nov 1994 08:49:37 GMT",
                                         "Sun, 06 Nov 1994 8:49:37 GMT",
                                         "Sun, 06 Nov 1994 08:49 GMT",
                                         "Sun, 06 Nov 1994 08:49:37 GMT extra",
                                         "Sun, 06 Nov 1994 08:49:37 GMTX",
                                         "Sunday, 06 Nov 1994 08:49:37 GMT",
                                         "Sun, 06-Nov-94 08:49:37 GMT",
                                         "Sunday, 06-Nov-1994 08:49:37 GMT",
                                         "Sun Nov 6 08:49:37 1994",
                                         "Sun Nov  6 08:49:37 94",
                                         "Sun Nov  6 08:49:37 1994 GMT",
                                         "Xyz, 06 Nov 1994 08:49:37 GMT",
                                         "Sun, 06 Nox 1994 08:49:37 GMT"}) {
        BOOST_TEST_CONTEXT("value '" << value << "'") {
            BOOST_TEST(parse(value) == -1);
        }
    }
}

BOOST_AUTO_TEST_CASE(embedded_nul_is_ignored) {
    using namespace std::string_view_literals;
    BOOST_TEST(parse("1\0"sv) == -1);
    BOOST_TEST(parse("\0"sv) == -1);
    BOOST_TEST(parse("Sun, 06 Nov 1994 08:49:37 GMT\0"sv) == -1);
}

BOOST_AUTO_TEST_CASE(invalid_calendar_values_are_ignored) {
    for (const std::string_view value :
         {"Sun, 00 Nov 1994 08:49:37 GMT", "Sun, 31 Nov 1994 08:49:37 GMT",
          "Sun, 29 Feb 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
          "Sun, 06 Nov 1994 08:60:00 GMT", "Sun, 06 Nov 1994 08:49:61 GMT",
          "Sunday, 32-Nov-94 08:49:37 GMT", "Sun Nov 31 08:49:37 1994",
          "Sun Nov  0 08:49:37 1994"}) {
        BOOST_TEST_CONTEXT("value '" << value << "'") {
            BOOST_TEST(parse(value) == -1);
        }
    }
    // 29 February exists in leap years; a leap second is accepted.
    BOOST_TEST(parse("Thu, 29 Feb 1996 00:00:00 GMT") > 0);
    BOOST_TEST(parse("Sun, 06 Nov 1994 08:49:60 GMT", rfc_example_minus(0s)) == 23);
}

BOOST_AUTO_TEST_CASE(overflow_is_ignored) {
    BOOST_TEST(parse("2147483648") == -1);
    BOOST_TEST(parse("9223372036854775807") == -1);
    BOOST_TEST(parse("9223372036854775808") == -1);
    BOOST_TEST(parse("99999999999999999999999999999999999999") == -1);
    BOOST_TEST(parse(std::string(10'000, '9')) == -1);
    // Leading zeros do not count towards overflow.
    BOOST_TEST(parse(std::string(10'000, '0') + "42") == 42);
    // A date further away than max_retry_after is as malformed as a huge number.
    BOOST_TEST(parse("Fri, 31 Dec 9999 23:59:59 GMT") == -1);
}

BOOST_AUTO_TEST_CASE(imf_fixdate) {
    BOOST_TEST(parse("Sun, 06 Nov 1994 08:49:37 GMT", rfc_example_minus(7s)) == 7);
    BOOST_TEST(parse("Sun, 06 Nov 1994 08:49:37 GMT", rfc_example_minus(2h)) == 7200);
    BOOST_TEST(parse("Mon, 07 Nov 1994 08:49:37 GMT", rfc_example_minus(0s)) == 86400);
}

BOOST_AUTO_TEST_CASE(rfc850_date) {
    BOOST_TEST(parse("Sunday, 06-Nov-94 08:49:37 GMT", rfc_example_minus(7s)) == 7);
    BOOST_TEST(parse("Sunday, 06-Nov-94 08:49:37 GMT", rfc_example_minus(0s)) == 0);
}

BOOST_AUTO_TEST_CASE(asctime_date) {
    BOOST_TEST(parse("Sun Nov  6 08:49:37 1994", rfc_example_minus(7s)) == 7);
    BOOST_TEST(parse("Sun Nov 06 08:49:37 1994", rfc_example_minus(7s)) == 7);
    BOOST_TEST(parse("Thu Nov 10 08:49:37 1994", rfc_example_minus(0s)) == 4 * 86400);
}

BOOST_AUTO_TEST_CASE(all_forms_agree) {
    const auto now = rfc_example_minus(90s);
    const auto imf = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT", now);
    BOOST_REQUIRE(imf.has_value());
    BOOST_TEST(imf->time_since_epoch().count() == 784111777LL);  // RFC 9110's example
    BOOST_TEST((parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT", now) == imf));
    BOOST_TEST((parse_http_date("Sun Nov  6 08:49:37 1994", now) == imf));
}

BOOST_AUTO_TEST_CASE(a_date_in_the_past_means_now) {
    BOOST_TEST(parse("Sun, 06 Nov 1994 08:49:37 GMT", rfc_example_minus(-1s)) == 0);
    BOOST_TEST(parse("Sun, 06 Nov 1994 08:49:37 GMT", rfc_example_minus(-1ms)) == 0);
    BOOST_TEST(parse("Sun, 06 Nov 1994 08:49:37 GMT", sys_days{2024y / May / 1}) == 0);
    BOOST_TEST(parse("Sat, 01 Jan 0000 00:00:00 GMT") == 0);
}

BOOST_AUTO_TEST_CASE(a_fraction_of_a_second_rounds_up) {
    BOOST_TEST(parse("Sun, 06 Nov 1994 08:49:37 GMT", rfc_example_minus(6500ms)) == 7);
    BOOST_TEST(parse("Sun, 06 Nov 1994 08:49:37 GMT", rfc_example_minus(1ns)) == 1);
}

BOOST_AUTO_TEST_CASE(two_digit_years_are_resolved_against_now) {
    const system_clock::time_point now = sys_days{2024y / May / 1};
    const auto year_of = [&](std::string_view value) {
        const auto date = parse_http_date(value, now);
        return date ? static_cast<int>(year_month_day{floor<days>(*date)}.year()) : -1;
    };
    BOOST_TEST(year_of("Sunday, 06-Nov-94 08:49:37 GMT") == 1994);
    BOOST_TEST(year_of("Tuesday, 01-Jan-30 00:00:00 GMT") == 2030);
    BOOST_TEST(year_of("Tuesday, 01-Jan-74 00:00:00 GMT") == 2074);  // exactly 50 years ahead
    BOOST_TEST(year_of("Tuesday, 01-Jan-75 00:00:00 GMT") == 1975);  // more than 50: the past
    BOOST_TEST(year_of("Tuesday, 01-Jan-24 00:00:00 GMT") == 2024);
    BOOST_TEST(year_of("Tuesday, 01-Jan-00 00:00:00 GMT") == 2000);
}

// A first taste of the fuzzing to come: nothing may crash, and every answer is in range.
BOOST_AUTO_TEST_CASE(never_crashes_on_mutated_input) {
    const std::string seeds[] = {"Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
                                 "Sun Nov  6 08:49:37 1994", "120", " 2147483647 "};
    const std::string alphabet = "0123456789 ,:-\tGMTSunNovday\xff";
    rng random{2024};
    const auto now = rfc_example_minus(0s);
    int accepted = 0;
    for (int i = 0; i < 200'000; ++i) {
        std::string value = seeds[random() % std::size(seeds)];
        const int edits = static_cast<int>(random() % 4);
        for (int e = 0; e < edits; ++e) {
            const std::size_t at = value.empty() ? 0 : random() % (value.size() + 1);
            switch (random() % 3) {
                case 0:
                    value.insert(at, 1, alphabet[random() % alphabet.size()]);
                    break;
                case 1:
                    if (at < value.size()) {
                        value.erase(at, 1);
                    }
                    break;
                default:
                    if (at < value.size()) {
                        value[at] = static_cast<char>(random() & 0xff);
                    }
                    break;
            }
        }
        const auto result = parse_retry_after(value, now);
        if (result) {
            ++accepted;
            BOOST_REQUIRE(*result >= 0s);
            BOOST_REQUIRE(*result <= max_retry_after);
        }
    }
    BOOST_TEST(accepted > 0);
}

BOOST_AUTO_TEST_SUITE_END()
