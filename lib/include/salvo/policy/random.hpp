#pragma once
// A small, fast, seedable random source (xoshiro256**, seeded by splitmix64). Deterministic for a
// given seed, so tests replay exactly; one instance per origin or thread, never shared unguarded.

#include <cstdint>
#include <limits>

#include "salvo/policy/clock.hpp"

namespace salvo::policy {

// Satisfies std::uniform_random_bit_generator.
class rng {
  public:
    using result_type = std::uint64_t;

    constexpr explicit rng(std::uint64_t seed = 0x5a17'0d0c'0ffe'e5edULL) noexcept { reseed(seed); }

    constexpr void reseed(std::uint64_t seed) noexcept {
        for (auto& word : state_) {
            word = splitmix64(seed);
        }
    }

    static constexpr result_type min() noexcept { return 0; }
    static constexpr result_type max() noexcept { return std::numeric_limits<result_type>::max(); }

    constexpr result_type operator()() noexcept {
        const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
        const std::uint64_t t = state_[1] << 17;
        state_[2] ^= state_[0];
        state_[3] ^= state_[1];
        state_[1] ^= state_[2];
        state_[0] ^= state_[3];
        state_[2] ^= t;
        state_[3] = rotl(state_[3], 45);
        return result;
    }

  private:
    static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
        return (x << k) | (x >> (64 - k));
    }
    static constexpr std::uint64_t splitmix64(std::uint64_t& x) noexcept {
        std::uint64_t z = (x += 0x9e37'79b9'7f4a'7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58'476d'1ce4'e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d0'49bb'1331'11ebULL;
        return z ^ (z >> 31);
    }

    std::uint64_t state_[4]{};
};

// Uniform in [0, 1), 53 bits of precision.
constexpr double uniform01(rng& random) noexcept {
    return static_cast<double>(random() >> 11) * 0x1.0p-53;
}

// Uniform in [0, upper) (zero when upper <= 0).
duration uniform_duration(rng& random, duration upper) noexcept;

}  // namespace salvo::policy
