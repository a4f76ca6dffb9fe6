/* Python functions defined outside py_module.c (one file per responsibility);
 * py_module.c lists them in its method table. */
#ifndef MEMALOT_DUMPER_PY_BINDINGS_H
#define MEMALOT_DUMPER_PY_BINDINGS_H

#include "compat.h"

/* compact(target_bytes, protected_image=None) -> {"dropped", "file_size"} | {"error"} */
PyObject *mld_py_compact(PyObject *self, PyObject *args);
/* run_bytes(directory, launch_id): the launch's other files there (run_files.h). */
PyObject *mld_py_run_bytes(PyObject *self, PyObject *args);

/* report(path, *, each=True, include=(), exclude=(), max_object_details=None, color=False)
 * -> {"text", "candidates", "image"} | {"error"}: the console report of the
 * newest image, through the same analysis and renderer as memalot-analyze.
 * max_object_details None is the analysis library's default. */
PyObject *mld_py_report(PyObject *self, PyObject *args, PyObject *kwargs);

/* Adds ANALYSIS_DEFAULTS, {"max_object_details", "max_paths",
 * "max_path_length"} from mla_options_init, so that the package reads the
 * defaults instead of copying them. 0 or -1 with an exception set. */
int mld_add_analysis_defaults(PyObject *module);

#endif
