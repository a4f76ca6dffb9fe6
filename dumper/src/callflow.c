/* Which flow of control a birth belongs to (see callflow.h). */
#include "callflow.h"

/* The running flow's mark: what the open-calls ContextVar holds in its
 * Context. PyContextVar_Get only reads the Context's mapping (and the
 * variable's cache); the variable has no default, so "unset" shows. */
static mld_flow_mark read_mark(const mld_calllog *log, const void **token)
{
    *token = NULL;
    PyObject *var = (PyObject *)log->open_calls_var;
    PyObject *value = NULL;
    if (var == NULL || PyContextVar_Get(var, NULL, &value) != 0 || value == NULL) {
        return MLD_FLOW_UNMARKED;
    }
    mld_flow_mark mark = MLD_FLOW_UNMARKED;
    if (PyTuple_CheckExact(value)) {
        mark = PyTuple_GET_SIZE(value) == 0 ? MLD_FLOW_BETWEEN_CALLS : MLD_FLOW_IN_CALL;
        *token = mark == MLD_FLOW_IN_CALL ? (const void *)PyTuple_GET_ITEM(value, 0) : NULL;
    }
    Py_DECREF(value); /* the Context still holds it */
    return mark;
}

const void *mld_callflow_token(const mld_calllog *log)
{
    const void *token = NULL;
    (void)read_mark(log, &token);
    return token;
}

const void *mld_callflow_classify(mld_calllog *log, const void *owner)
{
    const void *token = NULL;
    mld_flow_mark mark = owner != NULL ? read_mark(log, &token) : MLD_FLOW_UNMARKED;
    const void *flow = mld_calllog_flow_of(log, owner, mark, token);
    log->flow_cache.owner = owner;
    log->flow_cache.flow = flow;
    log->flow_cache.valid = 1;
    return flow;
}
