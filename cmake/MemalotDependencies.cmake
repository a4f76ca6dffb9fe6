# Checks everything the build needs (a C compiler, pkg-config and the C
# libraries it finds, the Python headers) and enables C. Whatever is missing
# is reported in one message with one apt-get line, because the person
# reading it is usually one apt-get away from a working build, and a
# configure that stopped at each missing package in turn took five rounds.
# The Debian package names come from debian-packages.txt, the list
# .ci/install-deps installs from.

# check -> Debian package, from the third column of debian-packages.txt.
file(STRINGS "${CMAKE_CURRENT_LIST_DIR}/debian-packages.txt" memalot_package_lines
     REGEX "^[^#]")
foreach(line IN LISTS memalot_package_lines)
  string(REGEX REPLACE "[ \t]+" ";" fields "${line}")
  list(LENGTH fields n)
  if(n EQUAL 3)
    list(GET fields 0 package)
    list(GET fields 2 check)
    set("memalot_debian_package_${check}" "${package}")
  endif()
endforeach()

set(memalot_missing_packages "")
set(memalot_missing_reasons "")
function(memalot_missing check reason)
  set(package "${memalot_debian_package_${check}}")
  if(NOT package)
    message(FATAL_ERROR "cmake/debian-packages.txt has no package for '${check}'")
  endif()
  set(memalot_missing_packages ${memalot_missing_packages} ${package} PARENT_SCOPE)
  set(memalot_missing_reasons "${memalot_missing_reasons}\n  ${reason} (Debian package ${package})"
      PARENT_SCOPE)
endfunction()

# The project starts with LANGUAGES NONE so that a machine without a compiler
# gets this message instead of CMake's own error, before any other check.
include(CheckLanguage)
check_language(C)
if(CMAKE_C_COMPILER)
  enable_language(C)
else()
  memalot_missing(c-compiler "no C compiler (cc, or the one CC names)")
endif()

find_package(PkgConfig QUIET)
set(memalot_pc_modules libzstd libxxhash jansson)
if(MEMALOT_BUILD_TESTS)
  list(APPEND memalot_pc_modules check)
endif()
if(NOT PkgConfig_FOUND)
  memalot_missing(pkg-config "pkg-config")
  # Without pkg-config the libraries cannot be checked; name them all, since
  # apt-get skips whatever is already installed.
  foreach(module IN LISTS memalot_pc_modules)
    memalot_missing(pc:${module} "${module} (not checked: no pkg-config)")
  endforeach()
else()
  foreach(module IN LISTS memalot_pc_modules)
    string(TOUPPER "${module}" prefix)
    string(REGEX REPLACE "^LIB" "" prefix "${prefix}")
    pkg_check_modules(${prefix} QUIET IMPORTED_TARGET ${module})
    if(NOT ${prefix}_FOUND)
      memalot_missing(pc:${module} "${module} (pkg-config module)")
    endif()
  endforeach()
endif()

if(MEMALOT_BUILD_DUMPER)
  find_package(Python3 COMPONENTS Interpreter Development.Module)
  if(NOT Python3_Development.Module_FOUND)
    memalot_missing(python-headers "Python 3 headers for ${Python3_EXECUTABLE} (or pick another \
interpreter with -DPython3_EXECUTABLE=...)")
  endif()
else()
  find_package(Python3 COMPONENTS Interpreter)
endif()

if(memalot_missing_packages)
  list(REMOVE_DUPLICATES memalot_missing_packages)
  list(JOIN memalot_missing_packages " " memalot_missing_line)
  message(FATAL_ERROR
    "memalot cannot be built here; missing:${memalot_missing_reasons}\n"
    "Install them all with:\n"
    "  apt-get install ${memalot_missing_line}\n")
endif()

# The libraries link the three through memalot_dep_zstd, memalot_dep_xxhash and
# memalot_dep_jansson: the shared library for every consumer, except one whose
# MEMALOT_STATIC_DEPS property is true when MEMALOT_STATIC_ANALYZER is on
# (memalot-analyze in a wheel), which links the static archive instead. A
# wheel's scripts folder lands at no fixed place relative to the libraries
# auditwheel bundles beside the package, so auditwheel would replace an
# executable that needs them by a Python shim that execs it, and that
# interpreter's start changes the environment the analyzer reads (PEP 538
# sets LC_CTYPE=C.UTF-8 under LANG=C, turning its ASCII sparklines into UTF-8).
function(memalot_dependency name target module archive)
  add_library(memalot_dep_${name} INTERFACE)
  if(NOT MEMALOT_STATIC_ANALYZER)
    target_link_libraries(memalot_dep_${name} INTERFACE PkgConfig::${target})
    return()
  endif()
  find_library(MEMALOT_${target}_ARCHIVE NAMES ${archive} HINTS ${${target}_LIBRARY_DIRS})
  if(NOT MEMALOT_${target}_ARCHIVE)
    set(check "pc:${module}")
    set(package "${memalot_debian_package_${check}}")
    message(FATAL_ERROR "MEMALOT_STATIC_ANALYZER: ${archive} not found: install the Debian "
                        "package '${package}' (apt-get install ${package})")
  endif()
  target_include_directories(memalot_dep_${name} INTERFACE ${${target}_INCLUDE_DIRS})
  target_link_libraries(memalot_dep_${name} INTERFACE
    "$<IF:$<BOOL:$<TARGET_PROPERTY:MEMALOT_STATIC_DEPS>>,${MEMALOT_${target}_ARCHIVE},PkgConfig::${target}>")
endfunction()
memalot_dependency(zstd ZSTD libzstd libzstd.a)
memalot_dependency(xxhash XXHASH libxxhash libxxhash.a)
memalot_dependency(jansson JANSSON jansson libjansson.a)
