/* Arena and string-builder memory: a report set owns one arena, so freeing a
 * report never walks its structure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis_internal.h"

#define MLA_ARENA_CHUNK (64u * 1024u)

struct mla_arena_chunk {
    mla_arena_chunk *next;
    size_t used;
    size_t capacity;
    _Alignas(16) unsigned char data[];
};

void *mla_arena_alloc(mla_arena *arena, size_t size)
{
    size_t rounded = (size + 15u) & ~(size_t)15u;
    if (rounded < size)
        return NULL;
    mla_arena_chunk *chunk = arena->head;
    if (!chunk || chunk->capacity - chunk->used < rounded) {
        size_t capacity = rounded > MLA_ARENA_CHUNK ? rounded : MLA_ARENA_CHUNK;
        chunk = malloc(sizeof *chunk + capacity);
        if (!chunk)
            return NULL;
        chunk->used = 0;
        chunk->capacity = capacity;
        chunk->next = arena->head;
        arena->head = chunk;
    }
    void *p = chunk->data + chunk->used;
    chunk->used += rounded;
    memset(p, 0, rounded);
    return p;
}

char *mla_arena_strndup(mla_arena *arena, const char *text, size_t length)
{
    char *copy = mla_arena_alloc(arena, length + 1);
    if (copy) {
        if (length)
            memcpy(copy, text, length);
        copy[length] = '\0';
    }
    return copy;
}

char *mla_arena_strdup(mla_arena *arena, const char *text)
{
    return text ? mla_arena_strndup(arena, text, strlen(text)) : NULL;
}

char *mla_arena_printf(mla_arena *arena, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *text = mla_arena_alloc(arena, (size_t)n + 1);
    if (!text)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(text, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return text;
}

void mla_arena_free(mla_arena *arena)
{
    mla_arena_chunk *chunk = arena->head;
    while (chunk) {
        mla_arena_chunk *next = chunk->next;
        free(chunk);
        chunk = next;
    }
    arena->head = NULL;
}

static int sbuf_reserve(mla_sbuf *buf, size_t extra)
{
    if (buf->failed)
        return 0;
    if (buf->length + extra + 1 <= buf->capacity)
        return 1;
    size_t capacity = buf->capacity ? buf->capacity : 64;
    while (capacity < buf->length + extra + 1)
        capacity *= 2;
    char *data = realloc(buf->data, capacity);
    if (!data) {
        buf->failed = 1;
        return 0;
    }
    buf->data = data;
    buf->capacity = capacity;
    return 1;
}

void mla_sbuf_append(mla_sbuf *buf, const char *text, size_t length)
{
    if (!sbuf_reserve(buf, length))
        return;
    if (length)
        memcpy(buf->data + buf->length, text, length);
    buf->length += length;
    buf->data[buf->length] = '\0';
}

void mla_sbuf_puts(mla_sbuf *buf, const char *text)
{
    mla_sbuf_append(buf, text, strlen(text));
}

void mla_sbuf_printf(mla_sbuf *buf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        buf->failed = 1;
        return;
    }
    if (!sbuf_reserve(buf, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(buf->data + buf->length, (size_t)n + 1, fmt, ap);
    va_end(ap);
    buf->length += (size_t)n;
}

void mla_sbuf_free(mla_sbuf *buf)
{
    free(buf->data);
    buf->data = NULL;
    buf->length = buf->capacity = 0;
    buf->failed = 0;
}

void *mla_calloc_array(size_t count, size_t size)
{
    if (count == 0)
        count = 1;
    return calloc(count, size);
}

void *mla_malloc_array(size_t count, size_t size)
{
    if (count == 0)
        count = 1;
    if (size && count > SIZE_MAX / size)
        return NULL;
    return malloc(count * size);
}
