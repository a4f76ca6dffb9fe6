/* Which CPython versions the dumper knows the internals of. Everything that
 * depends on a struct layout is compiled only for these; on any other version
 * the module still imports and open_monitor() refuses with a clear message. */
#ifndef MEMALOT_DUMPER_COMPAT_H
#define MEMALOT_DUMPER_COMPAT_H

#include <Python.h>
#if PY_VERSION_HEX < 0x030A0000
#error "memalot's extension builds for CPython 3.10 and newer (pyproject.toml requires-python)"
#endif
#if PY_VERSION_HEX < 0x030C0000
#include <structmember.h> /* PyMemberDef moved into Python.h in 3.12 */
#endif

#if PY_VERSION_HEX >= 0x030A0000 && PY_VERSION_HEX < 0x030F0000 && !defined(Py_GIL_DISABLED)
#define MLD_SUPPORTED 1
#else
#define MLD_SUPPORTED 0
#endif

#define MLD_PY_AT_LEAST(major, minor) (PY_VERSION_HEX >= (((major) << 24) | ((minor) << 16)))

/* 3.13 has PyRefTracer; 3.10-3.12 need the allocator hook and dealloc wrappers.
 * Selects the identity backend: identity_tracer.c or identity_alloc_hook.c. */
#if MLD_SUPPORTED && MLD_PY_AT_LEAST(3, 13)
#define MLD_HAVE_REFTRACER 1
#else
#define MLD_HAVE_REFTRACER 0
#endif

/* Keeps a rare path out of a hot hook so the hook's common path stays free of
 * a stack frame (GCC and Clang, the compilers the build supports). */
#define MLD_NOINLINE __attribute__((noinline))

/* A parameter an implementation has no use for by design: a callback's
 * context we never set, or an interface function in a backend without that
 * feature (identity_none.c). */
#define MLD_UNUSED __attribute__((unused))

/* Member types of PyMemberDef that hold an object pointer (structmember.h
 * T_OBJECT / T_OBJECT_EX; the numbers are part of the stable ABI). */
#define MLD_MEMBER_OBJECT 6
#define MLD_MEMBER_OBJECT_EX 16

#endif
