/* Python functions defined outside py_module.c (one file per responsibility);
 * py_module.c lists them in its method table. */
#ifndef MEMALOT_DUMPER_PY_BINDINGS_H
#define MEMALOT_DUMPER_PY_BINDINGS_H

#include "compat.h"

/* compact(target_bytes, protected_image=None) -> {"dropped", "file_size"} | {"error"} */
PyObject *mld_py_compact(PyObject *self, PyObject *args);

/* report(path, *, each=True, include=(), exclude=(), max_object_details=30, color=False)
 * -> {"text", "candidates", "image"} | {"error"}: the console report of the
 * newest image, through the same analysis and renderer as memalot-analyze. */
PyObject *mld_py_report(PyObject *self, PyObject *args, PyObject *kwargs);

#endif
