# What the integration tests need to run a sanitizer build's Python extension.
#
# An ASan-instrumented extension loaded by an uninstrumented python only works
# when the ASan runtime is the first library in the process, so the tests
# LD_PRELOAD it into every interpreter they start. This writes the runtime's
# path to <build>/memalot-sanitizers.json (read by tests/integration/conftest.py);
# a build without MEMALOT_SANITIZE has no such file, and an old one is removed
# so a reconfigured build does not preload ASan into a plain extension.
set(memalot_sanitizers_json "${CMAKE_BINARY_DIR}/memalot-sanitizers.json")
if(NOT MEMALOT_SANITIZE)
  file(REMOVE "${memalot_sanitizers_json}")
  return()
endif()

# GCC ships libasan.so; clang's shared runtime is libclang_rt.asan-<arch>.so.
set(memalot_asan_runtime "")
foreach(name libasan.so "libclang_rt.asan-${CMAKE_SYSTEM_PROCESSOR}.so")
  execute_process(COMMAND "${CMAKE_C_COMPILER}" -print-file-name=${name}
                  OUTPUT_VARIABLE found ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(IS_ABSOLUTE "${found}" AND EXISTS "${found}")
    get_filename_component(memalot_asan_runtime "${found}" REALPATH)
    break()
  endif()
endforeach()
if(NOT memalot_asan_runtime)
  message(WARNING "MEMALOT_SANITIZE: ${CMAKE_C_COMPILER} names no shared ASan runtime "
                  "(-print-file-name=libasan.so); the integration tests will skip the "
                  "extension's tests because python cannot load it")
endif()
file(WRITE "${memalot_sanitizers_json}"
     "{\"asan_runtime\": \"${memalot_asan_runtime}\", \"compiler\": \"${CMAKE_C_COMPILER_ID}\"}\n")
message(STATUS "memalot: sanitizer build; tests preload ${memalot_asan_runtime} into python")
