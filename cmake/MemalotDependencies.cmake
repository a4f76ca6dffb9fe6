# Finds the C dependencies through pkg-config. A missing one stops the
# configure step with the Debian package that provides it, because the
# person reading the error is usually one apt-get away from a working build.
find_package(PkgConfig)
if(NOT PkgConfig_FOUND)
  message(FATAL_ERROR "pkg-config not found: install the Debian package 'pkg-config'")
endif()

function(memalot_require_pkg target module debian_package)
  pkg_check_modules(${target} QUIET IMPORTED_TARGET ${module})
  if(NOT ${target}_FOUND)
    message(FATAL_ERROR
      "${module} not found: install the Debian package '${debian_package}' "
      "(apt-get install ${debian_package})")
  endif()
endfunction()

memalot_require_pkg(ZSTD libzstd libzstd-dev)
memalot_require_pkg(XXHASH libxxhash libxxhash-dev)
memalot_require_pkg(JANSSON jansson libjansson-dev)
if(MEMALOT_BUILD_TESTS)
  memalot_require_pkg(CHECK check check)
endif()

if(MEMALOT_BUILD_DUMPER)
  find_package(Python3 COMPONENTS Interpreter Development.Module)
  if(NOT Python3_Development.Module_FOUND)
    message(FATAL_ERROR
      "Python 3 headers not found for ${Python3_EXECUTABLE}: install the Debian package "
      "'python3-dev' (or pick another interpreter with -DPython3_EXECUTABLE=...)")
  endif()
else()
  find_package(Python3 COMPONENTS Interpreter)
endif()
