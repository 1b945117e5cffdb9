// The command line shared by salvo-bench and its peers: what to request, how often, how wide.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace salvo::bench {

struct header_line {
    std::string name;
    std::string value;
};

struct load_options {
    std::string url;
    std::uint64_t requests = 10000;  // measured requests, after every connection's first one
    double duration = 0;             // seconds; stop earlier when set (0: `requests` decides)
    std::size_t connections = 16;    // concurrent closed-loop workers
    unsigned threads = 1;
    std::string method = "GET";
    std::string body;  // the contents of --body-file
    std::vector<header_line> headers;
    bool insecure = false;
    std::string ca_file;
    bool resume = true;  // handshake: TLS session resumption
};

// Parses `--flag value` / `--flag=value` from argv[first..]. Returns the problem, or nothing.
std::optional<std::string> parse_load_options(int argc, char** argv, int first, load_options& out);

// The usage text of the load flags, one flag a line.
std::string_view load_usage();

struct url_parts {
    bool tls = false;
    std::string host;
    std::uint16_t port = 0;
    std::string target;  // path and query, "/" when empty
};

// scheme://host[:port][/target]; IPv6 literals in brackets. Nothing when malformed.
std::optional<url_parts> split_url(std::string_view url);

}  // namespace salvo::bench
