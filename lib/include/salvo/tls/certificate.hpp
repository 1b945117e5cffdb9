// Certificates generated on the fly with OpenSSL: for tests, the mock platform and `salvo demo`,
// which all need TLS on loopback without committing keys to the repository.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace salvo::tls {

// A certificate and its private key, both PEM-encoded.
struct pem_pair {
    std::string certificate;
    std::string private_key;
};

struct certificate_request {
    std::string common_name = "localhost";
    std::vector<std::string> dns_names = {"localhost"};        // subjectAltName DNS entries
    std::vector<std::string> ip_addresses = {"127.0.0.1"};     // subjectAltName IP entries
    std::chrono::seconds not_before = std::chrono::hours(-1);  // relative to now
    std::chrono::seconds not_after = std::chrono::hours(24 * 30);
};

// A self-signed leaf certificate (also usable as its own trust anchor).
pem_pair make_self_signed(const certificate_request& request = {});

// A certificate authority (CA:TRUE, keyCertSign) to issue leaf certificates with.
pem_pair make_authority(const std::string& common_name = "salvo test CA");

// A leaf certificate for `request`, signed by `authority`.
pem_pair issue(const pem_pair& authority, const certificate_request& request = {});

// Writes `pem` to `path` with mode 0600 (for key material) or 0644; throws std::system_error.
void write_pem_file(const std::string& path, const std::string& pem, bool secret = false);

}  // namespace salvo::tls
