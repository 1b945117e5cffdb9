#include "salvo/policy/backoff.hpp"

#include <algorithm>

namespace salvo::policy {

duration backoff_ceiling(const backoff_policy& policy, int retry) noexcept {
    if (policy.base <= duration::zero() || policy.cap <= duration::zero()) {
        return duration::zero();
    }
    if (policy.base >= policy.cap) {
        return policy.cap;
    }
    const int exponent = std::max(retry, 0);
    // base * 2^exponent <= cap  <=>  base <= cap / 2^exponent (integers, floor): no overflow.
    if (exponent >= 62 || policy.base.count() > (policy.cap.count() >> exponent)) {
        return policy.cap;
    }
    return duration{policy.base.count() << exponent};
}

duration backoff_delay(const backoff_policy& policy, int retry, rng& random) noexcept {
    return uniform_duration(random, backoff_ceiling(policy, retry));
}

}  // namespace salvo::policy
