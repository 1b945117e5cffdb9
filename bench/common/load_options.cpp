#include "common/load_options.hpp"

#include <charconv>
#include <fstream>
#include <sstream>

namespace salvo::bench {
namespace {

template <class T>
bool parse_number(std::string_view text, T& out) {
    const auto* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, out);
    return ec == std::errc{} && ptr == end;
}

std::string trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return std::string(s);
}

std::string problem(std::string_view what, std::string_view flag) {
    std::string text(what);
    text.append(" ").append(flag);
    return text;
}

}  // namespace

std::string_view load_usage() {
    return "  --url URL            http:// or https:// target\n"
           "  --requests N         measured requests (default 10000)\n"
           "  --duration SECONDS   stop after this long, whatever N (default: no limit)\n"
           "  --connections C      concurrent closed-loop workers (default 16)\n"
           "  --threads T          I/O threads (default 1)\n"
           "  --method M           GET, POST, PUT, ... (default GET)\n"
           "  --body-file F        request body\n"
           "  --header 'K: V'      extra request header (repeatable)\n"
           "  --insecure           do not verify the server's certificate\n"
           "  --ca-file PEM        trust these certificates\n";
}

std::optional<std::string> parse_load_options(int argc, char** argv, int first, load_options& out) {
    for (int i = first; i < argc; ++i) {
        std::string_view arg = argv[i];
        std::string_view value;
        bool has_value = false;
        if (const auto eq = arg.find('='); eq != std::string_view::npos) {
            value = arg.substr(eq + 1);
            arg = arg.substr(0, eq);
            has_value = true;
        }
        auto take = [&]() -> bool {
            if (has_value) {
                return true;
            }
            if (i + 1 >= argc) {
                return false;
            }
            value = argv[++i];
            return true;
        };
        if (arg == "--insecure") {
            out.insecure = true;
            continue;
        }
        if (arg == "--no-resume") {
            out.resume = false;
            continue;
        }
        if (arg != "--url" && arg != "--requests" && arg != "--duration" &&
            arg != "--connections" && arg != "--threads" && arg != "--method" &&
            arg != "--body-file" && arg != "--header" && arg != "--ca-file") {
            return problem("unknown flag", arg);
        }
        if (!take()) {
            return problem("missing value for", arg);
        }
        if (arg == "--url") {
            out.url = std::string(value);
        } else if (arg == "--requests") {
            if (!parse_number(value, out.requests) || out.requests == 0) {
                return problem("expected a positive integer for", arg);
            }
        } else if (arg == "--duration") {
            if (!parse_number(value, out.duration) || out.duration < 0) {
                return problem("expected seconds for", arg);
            }
        } else if (arg == "--connections") {
            if (!parse_number(value, out.connections) || out.connections == 0) {
                return problem("expected a positive integer for", arg);
            }
        } else if (arg == "--threads") {
            if (!parse_number(value, out.threads) || out.threads == 0) {
                return problem("expected a positive integer for", arg);
            }
        } else if (arg == "--method") {
            out.method = std::string(value);
        } else if (arg == "--ca-file") {
            out.ca_file = std::string(value);
        } else if (arg == "--body-file") {
            std::ifstream in{std::string(value), std::ios::binary};
            if (!in) {
                return problem("cannot read", value);
            }
            std::ostringstream text;
            text << in.rdbuf();
            out.body = std::move(text).str();
        } else {  // --header
            const auto colon = value.find(':');
            if (colon == std::string_view::npos || colon == 0) {
                return problem("expected 'Name: value' for", arg);
            }
            out.headers.push_back({trim(value.substr(0, colon)), trim(value.substr(colon + 1))});
        }
    }
    if (out.url.empty()) {
        return std::string("--url is required");
    }
    if (!split_url(out.url)) {
        return problem("malformed URL", out.url);
    }
    return std::nullopt;
}

std::optional<url_parts> split_url(std::string_view url) {
    url_parts parts;
    if (url.starts_with("http://")) {
        url.remove_prefix(7);
    } else if (url.starts_with("https://")) {
        url.remove_prefix(8);
        parts.tls = true;
    } else {
        return std::nullopt;
    }
    const auto slash = url.find('/');
    std::string_view authority = url.substr(0, slash);
    parts.target = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
    std::string_view port;
    if (authority.starts_with('[')) {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) {
            return std::nullopt;
        }
        parts.host = std::string(authority.substr(1, close - 1));
        authority.remove_prefix(close + 1);
        if (authority.starts_with(':')) {
            port = authority.substr(1);
        } else if (!authority.empty()) {
            return std::nullopt;
        }
    } else {
        const auto colon = authority.rfind(':');
        parts.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) {
            port = authority.substr(colon + 1);
        }
    }
    if (parts.host.empty()) {
        return std::nullopt;
    }
    parts.port = parts.tls ? 443 : 80;
    if (!port.empty() && (!parse_number(port, parts.port) || parts.port == 0)) {
        return std::nullopt;
    }
    return parts;
}

}  // namespace salvo::bench
