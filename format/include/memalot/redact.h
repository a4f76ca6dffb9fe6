/*
 * memalot dump redaction: a copy of a dump that is safer to share.
 *
 * A dump can reveal the command line (argv), value previews (short
 * renderings of str/bytes/int/float objects, when the program asked for
 * them), dict keys that are str (often data: user ids, e-mail addresses,
 * tokens), and names: modules, types, attributes, locals, the monitored
 * function. mlt_redact() rewrites a dump through the public reader and
 * writer:
 *
 *  - argv is dropped and argv_withheld set; previews are dropped;
 *  - str dict keys (MLT_LABEL_KEY_STR) are always replaced by a hash: keys
 *    are data, and the analysis only needs to tell them apart;
 *  - with hash_names, every other name is hashed too: type names (except
 *    "builtins.*", which every Python has), attribute, cell, local and other
 *    labels, root names and contexts, and the monitored function.
 *
 * A hash is "h:" followed by the first 12 hex digits of XXH3-64 (seed 0) of
 * the bytes: stable, so two redacted dumps of one program still correlate
 * (the same type has the same hash) and diff still works. The trade-off:
 * anyone can hash a guess and compare, so a low-entropy key (a small
 * number, a word) can be recovered by trying candidates. See SECURITY.md.
 *
 * Kept as they are: object addresses, sizes, refcounts, flags, the graph,
 * roots' kinds, times, pids, the Python version and platform. Only readable
 * images are copied (a torn tail is left out).
 */
#ifndef MEMALOT_REDACT_H
#define MEMALOT_REDACT_H

#include <stddef.h>

#include "memalot/format.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int hash_names; /* 1: hash names and labels too, not only str dict keys */
} mlt_redact_options;

/* Writes out_path (mode 0600, created or truncated) as a redacted copy of
 * in_path. out_path must differ from in_path. On error out_path is removed;
 * an image that does not decode fails the whole copy (a partial redaction
 * could mislead). options may be NULL (defaults: keys hashed, names kept). */
mlt_status mlt_redact(const char *in_path, const char *out_path, const mlt_redact_options *options,
                      mlt_error *err);

/* The text a string is replaced by: "h:" + 12 hex digits; out must hold
 * MLT_REDACT_HASH_LEN + 1 bytes. */
#define MLT_REDACT_HASH_LEN 14
void mlt_redact_hash(const char *bytes, size_t length, char *out);

#ifdef __cplusplus
}
#endif

#endif /* MEMALOT_REDACT_H */
