# Configures the project where its dependencies cannot be found and checks
# that the one error message names every missing Debian package on a single
# apt-get line (a configure that stopped at the first one took five rounds).
#   cmake -DSOURCE=<repo> -DWORK=<scratch dir> -DPYTHON=<python3> -P check_missing_packages.cmake
# Two runs: pkg-config sees no modules (PKG_CONFIG_LIBDIR is an empty folder),
# then the same with CC naming no compiler, where build-essential must join.
cmake_minimum_required(VERSION 3.25) # script mode: the policies of the project (IN_LIST)
foreach(var SOURCE WORK PYTHON)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "pass -D${var}=...")
  endif()
endforeach()

# What the message must list: every package the configure checks by a
# pkg-config module (the unit tests, and so check, are on by default).
file(STRINGS "${SOURCE}/cmake/debian-packages.txt" lines REGEX "^[^#].*[ \t]pc:")
set(expected "")
foreach(line IN LISTS lines)
  string(REGEX MATCH "^[^ \t]+" package "${line}")
  list(APPEND expected "${package}")
endforeach()
list(LENGTH expected count)
if(count LESS 4)
  message(FATAL_ERROR "expected at least 4 pkg-config packages in debian-packages.txt, got: ${expected}")
endif()

set(failures "")
function(configure_hidden name out_line)
  set(build "${WORK}/${name}")
  file(REMOVE_RECURSE "${build}")
  file(MAKE_DIRECTORY "${WORK}/empty-pkg-config")
  execute_process(
    COMMAND "${CMAKE_COMMAND}" -E env --unset=PKG_CONFIG_PATH
            "PKG_CONFIG_LIBDIR=${WORK}/empty-pkg-config" ${ARGN}
            "${CMAKE_COMMAND}" -S "${SOURCE}" -B "${build}" "-DPython3_EXECUTABLE=${PYTHON}"
            -DMEMALOT_ALL_PYTHONS=OFF
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  file(REMOVE_RECURSE "${build}")
  if(rc EQUAL 0)
    message(FATAL_ERROR "${name}: the configure step passed with every library hidden:\n${out}${err}")
  endif()
  string(REGEX MATCHALL "apt-get install [^\n]*" installs "${err}")
  list(LENGTH installs n)
  if(NOT n EQUAL 1)
    message(FATAL_ERROR "${name}: expected one apt-get install line, got ${n}:\n${err}")
  endif()
  string(REPLACE "apt-get install " "" installs "${installs}")
  string(REPLACE " " ";" installs "${installs}")
  message(STATUS "${name}: apt-get install ${installs}")
  set(${out_line} "${installs}" PARENT_SCOPE)
endfunction()

function(expect name line packages)
  foreach(package IN LISTS packages)
    if(NOT package IN_LIST line)
      message(SEND_ERROR "${name}: ${package} is missing from the apt-get line: ${line}")
    endif()
  endforeach()
endfunction()

configure_hidden(libraries-hidden line)
expect(libraries-hidden "${line}" "${expected}")
if("build-essential" IN_LIST line)
  message(SEND_ERROR "libraries-hidden: build-essential named although a compiler exists: ${line}")
endif()

configure_hidden(compiler-hidden line "CC=${WORK}/no-such-compiler")
expect(compiler-hidden "${line}" "${expected};build-essential")
