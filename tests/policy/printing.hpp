#pragma once
// Lets Boost.Test print the policy enums in failure messages (durations print natively).

#include <ostream>

#include "salvo/policy/classification.hpp"
#include "salvo/policy/retry.hpp"

namespace salvo::policy {

inline std::ostream& operator<<(std::ostream& out, outcome_kind value) {
    return out << to_string(value);
}
inline std::ostream& operator<<(std::ostream& out, retry_cause value) {
    return out << to_string(value);
}
inline std::ostream& operator<<(std::ostream& out, verdict value) {
    return out << to_string(value);
}
inline std::ostream& operator<<(std::ostream& out, retry_action value) {
    return out << to_string(value);
}
inline std::ostream& operator<<(std::ostream& out, retry_reason value) {
    return out << to_string(value);
}

}  // namespace salvo::policy
