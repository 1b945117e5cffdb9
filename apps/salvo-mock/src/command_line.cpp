#include <salvo/mock/command_line.hpp>

#include <charconv>
#include <stdexcept>
#include <thread>

namespace salvo::mock {
namespace {

[[noreturn]] void usage_error(const std::string& message) {
    throw std::invalid_argument(message);
}

template <class Int>
Int parse_number(std::string_view flag, std::string_view text) {
    Int value{};
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) {
        usage_error(std::string(flag) + ": expected a non-negative integer, got '" +
                    std::string(text) + "'");
    }
    return value;
}

// "HOST:PORT", "[V6]:PORT" or ":PORT" (loopback).
void parse_listen(std::string_view text, server_options& options) {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
        usage_error("--listen: expected HOST:PORT, got '" + std::string(text) + "'");
    }
    std::string_view host = text.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    options.host = host.empty() ? "127.0.0.1" : std::string(host);
    options.port = parse_number<std::uint16_t>("--listen", text.substr(colon + 1));
}

}  // namespace

command_line parse_command_line(std::span<const std::string_view> args, const environment& env) {
    command_line out;
    auto from_env = [&](const char* name, std::string& into) {
        const char* value = env ? env(name) : nullptr;
        if (value != nullptr && *value != '\0') {
            into = value;
        }
    };
    from_env("SALVO_USER_SECRET", out.options.user_secret);
    from_env("SALVO_ORG_SECRET", out.options.org_secret);
    out.options.host = "127.0.0.1";
    out.options.port = 8080;
    out.options.threads = std::max(1u, std::thread::hardware_concurrency());

    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string_view arg = args[i];
        std::string_view value;
        bool inline_value = false;
        if (arg.starts_with("--") && arg.find('=') != std::string_view::npos) {
            value = arg.substr(arg.find('=') + 1);
            arg = arg.substr(0, arg.find('='));
            inline_value = true;
        }
        auto next = [&]() -> std::string_view {
            if (inline_value) {
                return value;
            }
            if (i + 1 >= args.size()) {
                usage_error(std::string(arg) + ": missing value");
            }
            return args[++i];
        };
        if (arg == "-h" || arg == "--help") {
            out.help = true;
        } else if (arg == "--listen") {
            parse_listen(next(), out.options);
        } else if (arg == "--user-secret") {
            out.options.user_secret = std::string(next());
        } else if (arg == "--org-secret") {
            out.options.org_secret = std::string(next());
        } else if (arg == "--tls") {
            out.options.tls = true;
        } else if (arg == "--cert") {
            out.cert_file = std::string(next());
        } else if (arg == "--key") {
            out.key_file = std::string(next());
        } else if (arg == "--cert-out") {
            out.cert_out = std::string(next());
        } else if (arg == "--faults") {
            out.options.faults = fault_spec::parse(next());
        } else if (arg == "--seed") {
            out.options.seed = parse_number<std::uint64_t>("--seed", next());
        } else if (arg == "--threads") {
            out.options.threads = parse_number<unsigned>("--threads", next());
            if (out.options.threads == 0 || out.options.threads > 256) {
                usage_error("--threads: expected 1 to 256");
            }
        } else if (arg == "--latency") {
            out.options.latency =
                std::chrono::milliseconds(parse_number<std::uint32_t>("--latency", next()));
        } else {
            usage_error("unknown argument '" + std::string(arg) + "'");
        }
    }
    if (out.options.user_secret.empty() || out.options.org_secret.empty()) {
        usage_error("the user and organization secrets must not be empty");
    }
    bool files = !out.cert_file.empty() || !out.key_file.empty();
    if (files && (out.cert_file.empty() || out.key_file.empty())) {
        usage_error("--cert and --key go together");
    }
    if (files && !out.cert_out.empty()) {
        usage_error("--cert-out writes a generated certificate: not with --cert/--key");
    }
    if ((files || !out.cert_out.empty()) && !out.options.tls) {
        usage_error("--cert, --key and --cert-out need --tls");
    }
    return out;
}

std::string_view usage() noexcept {
    return R"(usage: salvo-mock [options]
A fault-injecting Open Connectors instance API for tests, demos and benchmarks.

  --listen HOST:PORT   where to listen (default 127.0.0.1:8080; port 0 picks a free one)
  --user-secret S      expected user secret (default $SALVO_USER_SECRET, else salvo-demo-user-secret)
  --org-secret S       expected organization secret (default $SALVO_ORG_SECRET, else salvo-demo-org-secret)
  --tls                serve HTTPS (TLS 1.2+)
  --cert F --key F     PEM certificate chain and private key to serve
  --cert-out F         write the generated self-signed certificate here (for clients to trust)
  --faults SPEC        e.g. 503=0.02,429=0.01,reset-before=0.01,reset-after=0.01,502-after=0.01,
                       slow-after=0.005,get-503=0.01,max-requests-per-conn=100 (see docs/mock.md)
  --seed N             seed of the fault draws (default 1): same seed, same faults
  --threads N          I/O threads (default: the number of cores)
  --latency MS         added to every API answer (default 0)

The first line on stdout is `listening on URL`. GET /_mock/stats shows what happened.
SIGINT or SIGTERM stops it.
)";
}

}  // namespace salvo::mock
