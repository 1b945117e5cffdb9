# `cmake --install` gives consumers `find_package(salvo CONFIG REQUIRED)` and `salvo::salvo`:
# the public headers, the four static libraries and their Boost/OpenSSL/Threads dependencies.
# Included last from the top-level CMakeLists.txt, once every library target exists.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(SALVO_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/salvo)
set(_salvo_libraries salvo salvo_boost salvo_policy salvo_provision_core)

# The library targets were written for the build tree; three of their properties would leak
# build-only things into the export, so they are narrowed to the build interface here.
foreach(_target IN LISTS _salvo_libraries)
  # `target_include_directories(... PUBLIC include)` holds a source-tree path.
  get_target_property(_dirs ${_target} INTERFACE_INCLUDE_DIRECTORIES)
  if(_dirs)
    set(_wrapped "")
    foreach(_dir IN LISTS _dirs)
      if(_dir MATCHES "^\\$<")
        list(APPEND _wrapped "${_dir}")
      else()
        list(APPEND _wrapped "$<BUILD_INTERFACE:${_dir}>")
      endif()
    endforeach()
    set_property(TARGET ${_target} PROPERTY INTERFACE_INCLUDE_DIRECTORIES "${_wrapped}")
  endif()
  # The precompiled header is for salvo's own targets: consumers compile without it.
  get_target_property(_pch ${_target} INTERFACE_PRECOMPILE_HEADERS)
  if(_pch)
    set(_wrapped "")
    foreach(_header IN LISTS _pch)
      if(_header MATCHES "^\\$<")
        list(APPEND _wrapped "${_header}")
      else()
        list(APPEND _wrapped "$<BUILD_INTERFACE:${_header}>")
      endif()
    endforeach()
    set_property(TARGET ${_target} PROPERTY INTERFACE_PRECOMPILE_HEADERS "${_wrapped}")
  endif()
  # A static library's PRIVATE links show up as $<LINK_ONLY:...>; salvo_warnings only sets flags.
  get_target_property(_links ${_target} INTERFACE_LINK_LIBRARIES)
  if(_links)
    list(REMOVE_ITEM _links "$<LINK_ONLY:salvo_warnings>")
    set_property(TARGET ${_target} PROPERTY INTERFACE_LINK_LIBRARIES "${_links}")
  endif()
endforeach()

install(TARGETS ${_salvo_libraries}
  EXPORT salvo-targets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/lib/include/
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.hpp")
install(EXPORT salvo-targets
  NAMESPACE salvo::
  FILE salvo-targets.cmake
  DESTINATION ${SALVO_INSTALL_CMAKEDIR})

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/salvo-config.cmake.in
  ${PROJECT_BINARY_DIR}/salvo-config.cmake
  INSTALL_DESTINATION ${SALVO_INSTALL_CMAKEDIR})
# 0.x: a minor release may break the API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/salvo-config-version.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/salvo-config.cmake ${PROJECT_BINARY_DIR}/salvo-config-version.cmake
  DESTINATION ${SALVO_INSTALL_CMAKEDIR})
