/* Error reporting: every failure fills one mlt_error with a code, an offset and
 * a sentence a user can act on. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

const char *mlt_status_name(mlt_status code)
{
    switch (code) {
    case MLT_OK: return "ok";
    case MLT_ERR_IO: return "io";
    case MLT_ERR_NOMEM: return "nomem";
    case MLT_ERR_FORMAT: return "format";
    case MLT_ERR_VERSION: return "version";
    case MLT_ERR_CHECKSUM: return "checksum";
    case MLT_ERR_TRUNCATED: return "truncated";
    case MLT_ERR_LIMIT: return "limit";
    case MLT_ERR_USAGE: return "usage";
    case MLT_ERR_COMPRESS: return "compress";
    }
    return "unknown";
}

mlt_status mlt_fail(mlt_error *err, mlt_status code, uint64_t offset, const char *fmt, ...)
{
    if (err) {
        err->code = code;
        err->offset = offset;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return code;
}

void mlt_error_clear(mlt_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}
