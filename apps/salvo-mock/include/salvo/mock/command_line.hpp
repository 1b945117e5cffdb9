// salvo-mock's command line, parsed apart from main() so that it can be tested.
#pragma once

#include <salvo/mock/server.hpp>

#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace salvo::mock {

struct command_line {
    server_options options;
    std::string cert_file;  // --cert: PEM certificate (chain) to serve
    std::string key_file;   // --key: its private key
    std::string cert_out;   // --cert-out: where to write the generated certificate
    bool help = false;
};

// An environment lookup: nullptr when the variable is unset.
using environment = std::function<const char*(const char*)>;

// Parses the arguments after the program name. Secrets default to SALVO_USER_SECRET and
// SALVO_ORG_SECRET, else the demo values. Throws std::invalid_argument with a message for users.
command_line parse_command_line(std::span<const std::string_view> args, const environment& env);

std::string_view usage() noexcept;

}  // namespace salvo::mock
