#include "salvo/policy/random.hpp"

namespace salvo::policy {

duration uniform_duration(rng& random, duration upper) noexcept {
    if (upper <= duration::zero()) {
        return duration::zero();
    }
    const double scaled = uniform01(random) * static_cast<double>(upper.count());
    const auto ticks = static_cast<duration::rep>(scaled);
    // Rounding of huge bounds to double could land on the bound itself; the interval is open.
    return duration{ticks < upper.count() ? ticks : upper.count() - 1};
}

}  // namespace salvo::policy
