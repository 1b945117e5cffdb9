// salvo-mock: the command line around salvo::mock::server.
#include <salvo/mock/command_line.hpp>
#include <salvo/mock/server.hpp>
#include <salvo/tls/certificate.hpp>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

#include <pthread.h>

namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + path);
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace

int main(int argc, char** argv) {
    namespace mock = salvo::mock;
    std::vector<std::string_view> args(argv + 1, argv + argc);
    mock::command_line cli;
    try {
        cli = mock::parse_command_line(args, [](const char* name) { return std::getenv(name); });
    } catch (const std::invalid_argument& e) {
        std::cerr << "salvo-mock: " << e.what() << "\n(salvo-mock --help for usage)\n";
        return 2;
    }
    if (cli.help) {
        std::cout << mock::usage();
        return 0;
    }

    // Block the stop signals before any thread exists, so that only sigwait() below sees them.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    try {
        if (!cli.cert_file.empty()) {
            cli.options.certificate_pem = read_file(cli.cert_file);
            cli.options.private_key_pem = read_file(cli.key_file);
        }
        mock::server server(std::move(cli.options));
        server.start();
        if (!cli.cert_out.empty()) {
            salvo::tls::write_pem_file(cli.cert_out, server.certificate_pem());
        }
        std::cout << "listening on " << server.base_url() << std::endl;
        std::cerr << "salvo-mock: faults " << server.options().faults.to_string() << ", seed "
                  << server.options().seed << ", " << server.options().threads
                  << " threads; admin view at /_mock/stats\n";
        int signal = 0;
        sigwait(&stop_signals, &signal);
        server.stop();
    } catch (const std::exception& e) {
        std::cerr << "salvo-mock: " << e.what() << '\n';
        return 1;
    }
    return 0;
}
