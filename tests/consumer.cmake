# The installed package as an embedder sees it. Included from tests/CMakeLists.txt, this file
# registers the test; run with `cmake -P`, it is the test: install this build to a scratch prefix,
# then configure, build and run tests/consumer against it (find_package(salvo) only).
if(NOT CMAKE_SCRIPT_MODE_FILE)
  add_test(NAME consumer.installed_package
    COMMAND ${CMAKE_COMMAND}
      -DBUILD_DIR=${PROJECT_BINARY_DIR}
      -DWORK_DIR=${CMAKE_CURRENT_BINARY_DIR}/consumer
      -DSOURCE_DIR=${CMAKE_CURRENT_SOURCE_DIR}/consumer
      -DGENERATOR=${CMAKE_GENERATOR}
      -DCXX_COMPILER=${CMAKE_CXX_COMPILER}
      -DBUILD_TYPE=${CMAKE_BUILD_TYPE}
      -DSANITIZE=${SALVO_SANITIZE}
      -DCCACHE=${CCACHE_PROGRAM}
      -P ${CMAKE_CURRENT_LIST_FILE})
  # One scratch prefix per build tree: never two runs at once.
  set_tests_properties(consumer.installed_package PROPERTIES
    LABELS consumer RESOURCE_LOCK salvo_consumer_prefix TIMEOUT 600)
  return()
endif()

function(step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "consumer: ${what} failed (${rc}):\n${out}")
  endif()
  message(STATUS "consumer: ${what}: ok")
  set(step_output "${out}" PARENT_SCOPE)
endfunction()

set(prefix ${WORK_DIR}/prefix)
set(build ${WORK_DIR}/build)
# From scratch each time, so a header or library missing from the install cannot hide.
file(REMOVE_RECURSE ${prefix} ${build})

step("install to ${prefix}" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})

set(options -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_CXX_COMPILER=${CXX_COMPILER})
if(BUILD_TYPE)
  list(APPEND options -DCMAKE_BUILD_TYPE=${BUILD_TYPE})
endif()
if(SANITIZE)
  # The installed libraries were built with the sanitizers: the consumer must be too.
  list(APPEND options "-DCMAKE_CXX_FLAGS=-fsanitize=${SANITIZE} -fno-omit-frame-pointer"
                      "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=${SANITIZE}")
endif()
if(CCACHE)
  set(ENV{CCACHE_SLOPPINESS} "include_file_mtime,include_file_ctime,time_macros")
  list(APPEND options -DCMAKE_CXX_COMPILER_LAUNCHER=${CCACHE})
endif()
step("configure" ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${build} -G ${GENERATOR} ${options})
step("build" ${CMAKE_COMMAND} --build ${build})
step("run" ${build}/consumer)
message(STATUS "${step_output}")
