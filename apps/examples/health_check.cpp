// salvo-health-check: after a bulk provisioning, check that the instances are still usable.
//
//   salvo-health-check [IDS_FILE] [--base-url URL] [--ca-file PEM] [--concurrency N]
//
// Reads instance ids (IDS_FILE, or stdin when absent or "-"; one per line, blank lines and
// `#` comments skipped), calls GET /instances/{id} for each with at most N calls in flight, and
// prints one tab-separated line per instance that is not healthy, in input order:
//   1234<TAB>missing
//   1235<TAB>invalid<TAB>acme-eu
//   1236<TAB>disabled<TAB>acme-us
//   1237<TAB>error<TAB>get_instance: HTTP 400: ... [requestId ...]
// then a summary on stderr. Exit: 0 all healthy, 1 some not, 2 usage, 3 credentials rejected.
// Secrets come from SALVO_USER_SECRET and SALVO_ORG_SECRET, never from flags.
#include <salvo/http/client.hpp>
#include <salvo/platform/client.hpp>

#include <boost/asio.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace asio = boost::asio;
namespace platform = salvo::platform;

namespace {

enum class health { unchecked, healthy, invalid, disabled, invalid_and_disabled, missing, error };

std::string_view to_string(health h) {
    switch (h) {
        case health::unchecked:
            return "unchecked";
        case health::healthy:
            return "healthy";
        case health::invalid:
            return "invalid";
        case health::disabled:
            return "disabled";
        case health::invalid_and_disabled:
            return "invalid,disabled";
        case health::missing:
            return "missing";
        case health::error:
            return "error";
    }
    return "unknown";
}

struct check {
    std::int64_t id = 0;
    health state = health::unchecked;
    std::string detail;  // the instance's name, or the (redacted) failure
};

struct options {
    std::string ids_file = "-";
    std::string base_url{platform::default_base_url};
    std::string ca_file;
    std::size_t concurrency = 32;
};

std::optional<options> parse(int argc, char** argv) {
    options o;
    bool have_file = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        const bool has_value = i + 1 < argc;
        if (arg == "--base-url" && has_value) {
            o.base_url = argv[++i];
        } else if (arg == "--ca-file" && has_value) {
            o.ca_file = argv[++i];
        } else if (arg == "--concurrency" && has_value) {
            const std::string_view v = argv[++i];
            const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), o.concurrency);
            if (ec != std::errc{} || end != v.data() + v.size() || o.concurrency == 0 ||
                o.concurrency > 1024) {
                std::cerr << "--concurrency: expected 1..1024, got '" << v << "'\n";
                return std::nullopt;
            }
        } else if (!arg.starts_with("--") && !have_file) {
            o.ids_file = arg;
            have_file = true;
        } else {
            std::cerr << "unexpected argument '" << arg << "'\n";
            return std::nullopt;
        }
    }
    return o;
}

// One id per line; every malformed line is reported.
std::optional<std::vector<check>> read_ids(std::istream& in, std::string_view source) {
    std::vector<check> checks;
    bool ok = true;
    std::string line;
    for (std::size_t number = 1; std::getline(in, line); ++number) {
        std::string_view v = line;
        v = v.substr(0, v.find('#'));
        const auto first = v.find_first_not_of(" \t\r");
        if (first == std::string_view::npos) {
            continue;
        }
        v = v.substr(first, v.find_last_not_of(" \t\r") - first + 1);
        std::int64_t id = 0;
        const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), id);
        if (ec != std::errc{} || end != v.data() + v.size() || id <= 0) {
            std::cerr << source << ':' << number << ": not an instance id: '" << v << "'\n";
            ok = false;
            continue;
        }
        checks.emplace_back().id = id;
    }
    if (!ok) {
        return std::nullopt;
    }
    return checks;
}

void classify(check& c, const platform::result<platform::instance>& r) {
    if (r) {
        c.detail = r->name;
        if (!r->valid && r->disabled) {
            c.state = health::invalid_and_disabled;
        } else if (!r->valid) {
            c.state = health::invalid;
        } else if (r->disabled) {
            c.state = health::disabled;
        } else {
            c.state = health::healthy;
        }
        return;
    }
    const platform::failure& f = r.error();
    c.state = f.status == 404 ? health::missing : health::error;
    c.detail = f.status == 404 ? std::string() : f.message;
}

// The workers share one cursor: they all run on one thread, so no lock is needed.
struct job {
    platform::client& api;
    std::vector<check>& checks;
    std::size_t next = 0;
    bool rejected = false;  // 401/403: stop, every further call would fail the same way
    std::string rejection;
};

asio::awaitable<void> worker(job& j) {
    while (!j.rejected && j.next < j.checks.size()) {
        check& c = j.checks[j.next++];
        auto r = co_await j.api.get_instance(c.id);
        if (!r && (r.error().status == 401 || r.error().status == 403)) {
            j.rejected = true;
            j.rejection = r.error().message;
            co_return;
        }
        classify(c, r);
    }
}

}  // namespace

int main(int argc, char** argv) {
    const auto opts = parse(argc, argv);
    if (!opts) {
        std::cerr << "usage: salvo-health-check [IDS_FILE] [--base-url URL] [--ca-file PEM] "
                     "[--concurrency N]\n";
        return 2;
    }
    const char* user = std::getenv("SALVO_USER_SECRET");
    const char* org = std::getenv("SALVO_ORG_SECRET");
    if (user == nullptr || org == nullptr || *user == '\0' || *org == '\0') {
        std::cerr << "SALVO_USER_SECRET and SALVO_ORG_SECRET must be set\n";
        return 2;
    }
    boost::system::result<boost::urls::url> base = boost::urls::parse_absolute_uri(opts->base_url);
    if (!base) {
        std::cerr << "--base-url: not an absolute URL: '" << opts->base_url << "'\n";
        return 2;
    }

    std::optional<std::vector<check>> ids;
    if (opts->ids_file == "-") {
        ids = read_ids(std::cin, "<stdin>");
    } else {
        std::ifstream file(opts->ids_file);
        if (!file) {
            std::cerr << opts->ids_file << ": cannot open\n";
            return 2;
        }
        ids = read_ids(file, opts->ids_file);
    }
    if (!ids) {
        return 2;
    }
    std::vector<check>& checks = *ids;

    salvo::http::client_options http_options;
    http_options.max_connections_per_origin = opts->concurrency;
    http_options.tls.ca_file = opts->ca_file;
    asio::io_context io;
    salvo::http::client http(io.get_executor(), http_options);
    platform::client api(http, {user, org}, *base);

    job j{.api = api, .checks = checks, .next = 0, .rejected = false, .rejection = {}};
    const std::size_t workers = std::min(opts->concurrency, checks.size());
    for (std::size_t i = 0; i < workers; ++i) {
        asio::co_spawn(io, worker(j), asio::detached);
    }
    io.run();

    if (j.rejected) {
        std::cerr << "credentials rejected: " << j.rejection << '\n';
        return 3;
    }
    std::array<std::size_t, 7> counts{};
    const auto count = [&](health h) { return counts[static_cast<std::size_t>(h)]; };
    for (const check& c : checks) {
        ++counts[static_cast<std::size_t>(c.state)];
        if (c.state != health::healthy) {
            std::cout << c.id << '\t' << to_string(c.state);
            if (!c.detail.empty()) {
                std::cout << '\t' << api.secrets().redact(c.detail);
            }
            std::cout << '\n';
        }
    }
    const std::size_t both = count(health::invalid_and_disabled);
    std::cerr << "checked " << checks.size() << ": " << count(health::healthy) << " healthy, "
              << count(health::invalid) + both << " invalid, " << count(health::disabled) + both
              << " disabled, " << count(health::missing) << " missing, " << count(health::error)
              << " errors\n";
    return count(health::healthy) == checks.size() ? 0 : 1;
}
