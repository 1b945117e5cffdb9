# Fails when the README's embedding example differs from apps/examples/fetch.cpp, which is built.
file(READ ${SOURCE_DIR}/README.md readme)
file(READ ${SOURCE_DIR}/apps/examples/fetch.cpp example)
string(REGEX MATCH "// \\[readme-begin\\]\n(.*)// \\[readme-end\\]" _ "${example}")
set(snippet "${CMAKE_MATCH_1}")
string(FIND "${readme}" "${snippet}" at)
if(at EQUAL -1 OR snippet STREQUAL "")
  message(FATAL_ERROR "README.md does not contain the example of apps/examples/fetch.cpp verbatim; copy it over")
endif()
