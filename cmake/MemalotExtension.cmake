# How one build of the extension (memalot._memalot) and its package folder is
# made: dumper/CMakeLists.txt uses it for the configured Python,
# MemalotPythons.cmake for every other Python found. Everything that must be
# the same in every build of the package is here, once.

# The pure-Python package's files, as they are in the source tree: the
# modules, the extension's stub and the PEP 561 marker.
function(memalot_package_files out)
  file(GLOB files CONFIGURE_DEPENDS
       "${PROJECT_SOURCE_DIR}/dumper/python/memalot/*.py"
       "${PROJECT_SOURCE_DIR}/dumper/python/memalot/*.pyi"
       "${PROJECT_SOURCE_DIR}/dumper/python/memalot/py.typed")
  set(${out} ${files} PARENT_SCOPE)
endfunction()

# The folder --follow-children puts first on PYTHONPATH (memalot/_children.py):
# a sitecustomize, kept apart from the package's modules.
function(memalot_bootstrap_files out)
  file(GLOB files CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/dumper/python/memalot/_bootstrap/*.py")
  set(${out} ${files} PARENT_SCOPE)
endfunction()

# Copies the package's files into package_dir on every build, and writes its
# _version.py (memalot.__version__, memalot-dump --version) from project(VERSION).
function(memalot_copy_package target package_dir)
  memalot_package_files(files)
  memalot_bootstrap_files(bootstrap)
  set(outputs "")
  foreach(src ${files} ${bootstrap})
    file(RELATIVE_PATH name "${PROJECT_SOURCE_DIR}/dumper/python/memalot" "${src}")
    add_custom_command(OUTPUT "${package_dir}/${name}"
                       COMMAND ${CMAKE_COMMAND} -E copy "${src}" "${package_dir}/${name}"
                       DEPENDS "${src}" VERBATIM)
    list(APPEND outputs "${package_dir}/${name}")
  endforeach()
  add_custom_target(${target} ALL DEPENDS ${outputs})
  configure_file("${PROJECT_SOURCE_DIR}/dumper/version.py.in" "${package_dir}/_version.py" @ONLY)
endfunction()

# memalot_add_extension(<target> <package_dir> [PYTHON_INCLUDE <dir> SUFFIX <suffix>])
# Without PYTHON_INCLUDE the extension is built for the Python FindPython
# found (its SOABI suffix); with it, for the Python whose headers and
# EXT_SUFFIX are given. Either way it lands, with the package around it, in
# package_dir; the package's copy target is <target>_package.
function(memalot_add_extension target package_dir)
  cmake_parse_arguments(arg "" "PYTHON_INCLUDE;SUFFIX" "" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/dumper/src/*.c")
  if(arg_PYTHON_INCLUDE)
    add_library(${target} MODULE ${sources})
    target_include_directories(${target} PRIVATE "${arg_PYTHON_INCLUDE}")
    set_target_properties(${target} PROPERTIES OUTPUT_NAME _memalot PREFIX "" SUFFIX "${arg_SUFFIX}")
  else()
    Python3_add_library(${target} MODULE WITH_SOABI ${sources})
  endif()
  target_include_directories(${target} PRIVATE "${PROJECT_SOURCE_DIR}/dumper/src")
  target_link_libraries(${target} PRIVATE memalot_render memalot_analysis memalot_format)
  target_compile_definitions(${target} PRIVATE MEMALOT_VERSION="${PROJECT_VERSION}")
  set_target_properties(${target} PROPERTIES
    LIBRARY_OUTPUT_DIRECTORY "${package_dir}" C_VISIBILITY_PRESET hidden)
  memalot_copy_package(${target}_package "${package_dir}")
  add_dependencies(${target} ${target}_package)
endfunction()
