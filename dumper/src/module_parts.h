/* Python functions defined outside module.c (one file per responsibility);
 * module.c lists them in its method table. */
#ifndef MEMALOT_DUMPER_MODULE_PARTS_H
#define MEMALOT_DUMPER_MODULE_PARTS_H

#include "compat.h"

/* compact(target_bytes, protected_image=None) -> {"dropped", "file_size"} | {"error"} */
PyObject *mlt_py_compact(PyObject *self, PyObject *args);

#endif
