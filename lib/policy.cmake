# The sans-io policy layer: pure C++, no Asio. Owned by the policy work (issue #3).
add_library(salvo_policy STATIC
  src/policy/placeholder.cpp
)
target_include_directories(salvo_policy PUBLIC include)
target_link_libraries(salvo_policy PRIVATE salvo_warnings)
