/* CPython's internal headers, for the two files that read private structures
 * (cpython_internals_walk.c, cpython_internals_freelists.c): each includes this first, and
 * they are the only files compiled with Py_BUILD_CORE. The struct layouts they
 * read are described only by the internal headers of the exact CPython
 * version. Not for any other file: everything else goes through cpython_internals.h,
 * so that a layout change in a new CPython touches these two files only. */
#ifndef MEMALOT_DUMPER_INTERNALS_PYCORE_H
#define MEMALOT_DUMPER_INTERNALS_PYCORE_H

#define PY_SSIZE_T_CLEAN
#include <patchlevel.h> /* version macros only, so Py_BUILD_CORE can depend on them */
#if PY_VERSION_HEX >= 0x030A0000 && PY_VERSION_HEX < 0x030F0000
/* The internal headers must be read with Py_BUILD_CORE defined before Python.h
 * (3.12 declares some inline functions differently otherwise); they were
 * written for the interpreter's own warning set, hence the pragmas. */
#define Py_BUILD_CORE 1
#endif
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmissing-prototypes"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include <Python.h>
#include "compat.h"
#if MLD_SUPPORTED
#include "internal/pycore_interp.h"
#include "internal/pycore_gc.h"
#include "internal/pycore_object.h"
#if !MLD_PY_AT_LEAST(3, 11)
#include <frameobject.h>
#endif
#if !MLD_PY_AT_LEAST(3, 13)
#include "internal/pycore_context.h" /* PyContext: its freelist links through ctx_weakreflist */
#endif
#if MLD_PY_AT_LEAST(3, 14)
#include "internal/pycore_stackref.h"
#include "internal/pycore_freelist_state.h"
#endif
#if MLD_PY_AT_LEAST(3, 11)
#include "internal/pycore_frame.h"
#include "internal/pycore_dict.h"
#include "internal/pycore_code.h"
#endif
#endif
#pragma GCC diagnostic pop

#if MLD_SUPPORTED
static inline PyInterpreterState *current_interp(void)
{
    return PyInterpreterState_Get();
}
#endif

#endif
