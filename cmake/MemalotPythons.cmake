# Builds the extension for every other supported Python found on the machine,
# next to the one for the configured interpreter, and writes
# <build>/memalot-pythons.json so the end-to-end tests can run each program on
# each version from one build. The format and analysis libraries do not depend
# on Python, so they are compiled once and linked into every extension.
option(MEMALOT_ALL_PYTHONS "Also build the extension for every other supported Python found" ON)
set(MEMALOT_SUPPORTED_PYTHONS 3.10 3.11 3.12 3.13 3.14)

function(memalot_python_facts exe out_version out_include out_suffix)
  execute_process(
    COMMAND "${exe}" -c "import sys, sysconfig; print('%d.%d' % sys.version_info[:2]); print(sysconfig.get_paths()['include']); print(sysconfig.get_config_var('EXT_SUFFIX'))"
    OUTPUT_VARIABLE facts RESULT_VARIABLE rc ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(NOT rc EQUAL 0)
    set(${out_version} "" PARENT_SCOPE)
    return()
  endif()
  string(REPLACE "\n" ";" facts "${facts}")
  list(GET facts 0 version)
  list(GET facts 1 include)
  list(GET facts 2 suffix)
  set(${out_version} "${version}" PARENT_SCOPE)
  set(${out_include} "${include}" PARENT_SCOPE)
  set(${out_suffix} "${suffix}" PARENT_SCOPE)
endfunction()

# Copies the pure-Python sources, stubs and py.typed into one package folder at build time.
function(memalot_copy_python_sources target package_dir)
  file(GLOB sources CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/dumper/python/memalot/*.py"
       "${PROJECT_SOURCE_DIR}/dumper/python/memalot/*.pyi" "${PROJECT_SOURCE_DIR}/dumper/python/memalot/py.typed")
  set(outputs "")
  foreach(src ${sources})
    get_filename_component(name "${src}" NAME)
    add_custom_command(OUTPUT "${package_dir}/${name}"
                       COMMAND ${CMAKE_COMMAND} -E copy "${src}" "${package_dir}/${name}"
                       DEPENDS "${src}" VERBATIM)
    list(APPEND outputs "${package_dir}/${name}")
  endforeach()
  add_custom_target(${target} ALL DEPENDS ${outputs})
endfunction()

function(memalot_add_extension_for version include suffix)
  string(REPLACE "." "" tag "${version}")
  set(package_dir "${CMAKE_BINARY_DIR}/python-${version}/memalot")
  file(GLOB sources CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/dumper/src/*.c")
  add_library(_memalot_py${tag} MODULE ${sources})
  target_include_directories(_memalot_py${tag} PRIVATE "${PROJECT_SOURCE_DIR}/dumper/src" "${include}")
  target_link_libraries(_memalot_py${tag} PRIVATE memalot_render memalot_analysis memalot_format)
  target_compile_definitions(_memalot_py${tag} PRIVATE MEMALOT_VERSION="${PROJECT_VERSION}")
  set_target_properties(_memalot_py${tag} PROPERTIES
    OUTPUT_NAME _memalot PREFIX "" SUFFIX "${suffix}"
    LIBRARY_OUTPUT_DIRECTORY "${package_dir}" C_VISIBILITY_PRESET hidden)
  memalot_copy_python_sources(memalot_python_package_py${tag} "${package_dir}")
  configure_file("${PROJECT_SOURCE_DIR}/dumper/version.py.in" "${package_dir}/_version.py" @ONLY)
  add_dependencies(_memalot_py${tag} memalot_python_package_py${tag})
endfunction()

set(memalot_pythons_json "")
set(memalot_built_versions "${Python3_VERSION_MAJOR}.${Python3_VERSION_MINOR}")
string(APPEND memalot_pythons_json
  "  {\"version\": \"${Python3_VERSION_MAJOR}.${Python3_VERSION_MINOR}\", \"executable\": \"${Python3_EXECUTABLE}\", \"package_dir\": \"${MEMALOT_PYTHON_BUILD_DIR}\"}")

if(MEMALOT_ALL_PYTHONS AND NOT SKBUILD)
  set(candidates "")
  execute_process(COMMAND pyenv root OUTPUT_VARIABLE pyenv_root ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
  foreach(root "${pyenv_root}" "$ENV{HOME}/.pyenv")
    if(root)
      file(GLOB found "${root}/versions/3.*/bin/python3")
      list(APPEND candidates ${found})
    endif()
  endforeach()
  list(APPEND candidates /usr/bin/python3)
  list(REMOVE_DUPLICATES candidates)
  list(SORT candidates)
  foreach(exe ${candidates})
    if(NOT EXISTS "${exe}")
      continue()
    endif()
    memalot_python_facts("${exe}" version include suffix)
    if(NOT version OR NOT version IN_LIST MEMALOT_SUPPORTED_PYTHONS
       OR version IN_LIST memalot_built_versions OR NOT EXISTS "${include}/Python.h")
      continue()
    endif()
    list(APPEND memalot_built_versions "${version}")
    memalot_add_extension_for("${version}" "${include}" "${suffix}")
    string(APPEND memalot_pythons_json
      ",\n  {\"version\": \"${version}\", \"executable\": \"${exe}\", \"package_dir\": \"${CMAKE_BINARY_DIR}/python-${version}\"}")
  endforeach()
  message(STATUS "memalot: extension built for Python ${memalot_built_versions}")
endif()
file(WRITE "${CMAKE_BINARY_DIR}/memalot-pythons.json" "[\n${memalot_pythons_json}\n]\n")
