# The pure core of provisioning (issue #5): manifest loading and validation, exactly-once keys,
# sharding and planning, the results file. No network; Boost.JSON comes compiled from salvo_boost.
add_library(salvo_provision_core STATIC
  src/provision/atomic_file.cpp
  src/provision/keys.cpp
  src/provision/manifest.cpp
  src/provision/plan.cpp
  src/provision/results.cpp
)
target_include_directories(salvo_provision_core PUBLIC include)
target_link_libraries(salvo_provision_core PUBLIC salvo_boost OpenSSL::Crypto PRIVATE salvo_warnings)
