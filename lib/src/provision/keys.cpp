#include "salvo/provision/keys.hpp"

#include <openssl/evp.h>

#include <array>
#include <memory>
#include <stdexcept>

namespace salvo::provision {

namespace {

// SHA-256, fetched once: with EVP_sha256(), OpenSSL 3 looks the implementation up again on every
// EVP_Digest call, which cost more than the hash itself (a fifth of a provisioning run's CPU).
const EVP_MD* sha256() {
    static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return md;
}

}  // namespace

std::string entry_hash(std::string_view element_key, std::string_view entry_key) {
    // One digest context per thread, reused: EVP_Digest makes and frees one on every call.
    thread_local const std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> context(EVP_MD_CTX_new(),
                                                                                  &EVP_MD_CTX_free);
    EVP_MD_CTX* ctx = context.get();
    const EVP_MD* md = sha256();
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    constexpr char separator = '\0';
    if (md == nullptr || ctx == nullptr || EVP_DigestInit_ex2(ctx, md, nullptr) != 1 ||
        EVP_DigestUpdate(ctx, element_key.data(), element_key.size()) != 1 ||
        EVP_DigestUpdate(ctx, &separator, 1) != 1 ||
        EVP_DigestUpdate(ctx, entry_key.data(), entry_key.size()) != 1 ||
        EVP_DigestFinal_ex(ctx, digest.data(), &size) != 1) {
        throw std::runtime_error("SHA-256 is unavailable (OpenSSL EVP_Digest failed)");
    }
    constexpr std::string_view hex = "0123456789abcdef";
    std::string out(16, '0');
    for (std::size_t n = 0; n < 8; ++n) {
        out[2 * n] = hex[digest[n] >> 4];
        out[2 * n + 1] = hex[digest[n] & 0x0F];
    }
    return out;
}

std::string entry_hash(const entry& e) {
    return entry_hash(e.element, e.key.empty() ? e.name : e.key);
}

std::string batch_tag(std::string_view batch) {
    std::string tag(batch_tag_prefix);
    tag.append(batch);
    return tag;
}

std::string key_tag(std::string_view hash) {
    std::string tag(key_tag_prefix);
    tag.append(hash);
    return tag;
}

bool is_reserved_tag(std::string_view tag) noexcept {
    return tag.starts_with(batch_tag_prefix) || tag.starts_with(key_tag_prefix);
}

std::vector<std::string> tags_for(const entry& e, std::string_view batch) {
    std::vector<std::string> tags;
    tags.reserve(e.tags.size() + 2);
    tags.insert(tags.end(), e.tags.begin(), e.tags.end());
    tags.push_back(batch_tag(batch));
    tags.push_back(key_tag(entry_hash(e)));
    return tags;
}

}  // namespace salvo::provision
