#include "salvo/tls/certificate.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <stdexcept>
#include <string_view>
#include <system_error>

namespace salvo::tls {
namespace {

template <class T, void (*Free)(T*)>
struct openssl_deleter {
    void operator()(T* p) const noexcept { Free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, openssl_deleter<EVP_PKEY, EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, openssl_deleter<X509, X509_free>>;
using bio_ptr = std::unique_ptr<BIO, openssl_deleter<BIO, BIO_free_all>>;

[[noreturn]] void fail(const char* what) {
    throw std::runtime_error(std::string("certificate generation: ") + what);
}

void check(int ok, const char* what) {
    if (ok <= 0) {
        fail(what);
    }
}

pkey_ptr make_key() {
    pkey_ptr key(EVP_EC_gen("P-256"));
    if (!key) {
        fail("EC key generation failed");
    }
    return key;
}

std::string to_pem(X509* cert) {
    bio_ptr bio(BIO_new(BIO_s_mem()));
    check(PEM_write_bio_X509(bio.get(), cert), "PEM_write_bio_X509");
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return {data, static_cast<std::size_t>(n)};
}

std::string to_pem(EVP_PKEY* key) {
    bio_ptr bio(BIO_new(BIO_s_mem()));
    check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr),
          "PEM_write_bio_PrivateKey");
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return {data, static_cast<std::size_t>(n)};
}

x509_ptr read_cert(const std::string& pem) {
    bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    x509_ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) {
        fail("cannot read the authority's certificate");
    }
    return cert;
}

pkey_ptr read_key(const std::string& pem) {
    bio_ptr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    pkey_ptr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    if (!key) {
        fail("cannot read the authority's private key");
    }
    return key;
}

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (ext == nullptr) {
        fail("bad certificate extension");
    }
    const int ok = X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
    check(ok, "X509_add_ext");
}

// A certificate for `key` named `common_name`, not yet signed.
x509_ptr make_cert(EVP_PKEY* key, const std::string& common_name, std::chrono::seconds not_before,
                   std::chrono::seconds not_after) {
    x509_ptr cert(X509_new());
    check(X509_set_version(cert.get(), 2), "X509_set_version");
    unsigned char serial[16];
    check(RAND_bytes(serial, sizeof serial), "RAND_bytes");
    serial[0] &= 0x7f;  // positive
    BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
    check(BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get())) != nullptr ? 1 : 0,
          "serial number");
    BN_free(bn);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), static_cast<long>(not_before.count()));
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(not_after.count()));
    check(X509_set_pubkey(cert.get(), key), "X509_set_pubkey");
    X509_NAME* name = X509_get_subject_name(cert.get());
    check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                     reinterpret_cast<const unsigned char*>(common_name.c_str()),
                                     -1, -1, 0),
          "subject name");
    return cert;
}

std::string subject_alt_names(const certificate_request& request) {
    std::string san;
    auto add = [&san](std::string_view kind, const std::string& value) {
        if (!san.empty()) {
            san.push_back(',');
        }
        san.append(kind).append(value);
    };
    for (const auto& dns : request.dns_names) {
        add("DNS:", dns);
    }
    for (const auto& ip : request.ip_addresses) {
        add("IP:", ip);
    }
    return san;
}

pem_pair make_leaf(const certificate_request& request, X509* issuer_cert, EVP_PKEY* issuer_key) {
    pkey_ptr key = make_key();
    x509_ptr cert =
        make_cert(key.get(), request.common_name, request.not_before, request.not_after);
    X509* issuer = issuer_cert != nullptr ? issuer_cert : cert.get();
    check(X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer)), "issuer name");
    add_extension(cert.get(), issuer, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(cert.get(), issuer, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    add_extension(cert.get(), issuer, NID_ext_key_usage, "serverAuth");
    add_extension(cert.get(), issuer, NID_subject_key_identifier, "hash");
    if (issuer_cert != nullptr) {
        add_extension(cert.get(), issuer, NID_authority_key_identifier, "keyid:always");
    }
    if (const auto san = subject_alt_names(request); !san.empty()) {
        add_extension(cert.get(), issuer, NID_subject_alt_name, san);
    }
    check(X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key.get(), EVP_sha256()),
          "X509_sign");
    return {to_pem(cert.get()), to_pem(key.get())};
}

}  // namespace

pem_pair make_self_signed(const certificate_request& request) {
    return make_leaf(request, nullptr, nullptr);
}

pem_pair make_authority(const std::string& common_name) {
    pkey_ptr key = make_key();
    x509_ptr cert =
        make_cert(key.get(), common_name, std::chrono::hours(-1), std::chrono::hours(24 * 365));
    check(X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get())), "issuer name");
    add_extension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
    add_extension(cert.get(), cert.get(), NID_subject_key_identifier, "hash");
    check(X509_sign(cert.get(), key.get(), EVP_sha256()), "X509_sign");
    return {to_pem(cert.get()), to_pem(key.get())};
}

pem_pair issue(const pem_pair& authority, const certificate_request& request) {
    x509_ptr ca_cert = read_cert(authority.certificate);
    pkey_ptr ca_key = read_key(authority.private_key);
    return make_leaf(request, ca_cert.get(), ca_key.get());
}

void write_pem_file(const std::string& path, const std::string& pem, bool secret) {
    const int fd =
        ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, secret ? 0600 : 0644);
    if (fd < 0) {
        throw std::system_error(errno, std::generic_category(), "cannot write " + path);
    }
    std::size_t written = 0;
    while (written < pem.size()) {
        const ssize_t n = ::write(fd, pem.data() + written, pem.size() - written);
        if (n < 0) {
            const int err = errno;
            ::close(fd);
            throw std::system_error(err, std::generic_category(), "cannot write " + path);
        }
        written += static_cast<std::size_t>(n);
    }
    if (::close(fd) != 0) {
        throw std::system_error(errno, std::generic_category(), "cannot write " + path);
    }
}

}  // namespace salvo::tls
