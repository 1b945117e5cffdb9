# The sans-io policy layer: pure C++, no Asio. Owned by the policy work (issue #3).
add_library(salvo_policy STATIC
  src/policy/backoff.cpp
  src/policy/classification.cpp
  src/policy/concurrency_limit.cpp
  src/policy/random.cpp
  src/policy/rate_limiter.cpp
  src/policy/retry.cpp
  src/policy/retry_after.cpp
  src/policy/retry_budget.cpp
)
target_include_directories(salvo_policy PUBLIC include)
target_link_libraries(salvo_policy PRIVATE salvo_warnings)
