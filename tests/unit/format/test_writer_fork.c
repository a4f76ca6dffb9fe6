/* A writer continued by a forked copy of the process (the dumper's image
 * child): mlt_writer_rehome moves its memory to another allocator, the
 * parent adopts the end of file the copy reports, and a copy stopped in the
 * middle of an image leaves nothing once the parent cuts the file back. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "format_test_util.h"
#include "check_suite.h"

Suite *writer_fork_suite(void);

/* libc underneath, counting the calls that reach it. */
typedef struct {
    size_t calls;
} counting;

static void *count_alloc(void *o, size_t n)
{
    ((counting *)o)->calls++;
    return malloc(n);
}
static void *count_calloc(void *o, size_t c, size_t n)
{
    ((counting *)o)->calls++;
    return calloc(c, n);
}
static void *count_realloc(void *o, void *p, size_t n)
{
    ((counting *)o)->calls++;
    return realloc(p, n);
}
static void count_free(void *o, void *p)
{
    (void)o;
    free(p);
}

static const heap_spec SPEC = {.objects = 3000,
                               .types = 7,
                               .strings = 40,
                               .seed = 5,
                               .addr_base = 0x10000,
                               .roots = 1,
                               .previews = 1,
                               .edges = 1};

/* In a forked child: rehome, then write image `sequence` (whole, or cut
 * short), send the file size, exit with the number of allocator calls > 0. */
static void child_writes(mlt_writer *w, uint64_t sequence, int whole, int fd)
{
    counting c = {0};
    mlt_allocator a = {count_alloc, count_calloc, count_realloc, count_free, &c};
    mlt_error err;
    if (mlt_writer_rehome(w, &a, &err) != MLT_OK)
        _exit(10);
    if (whole) {
        write_heap(w, &SPEC, sequence);
    } else {
        mlt_image_info info;
        fill_image_info(&info, sequence);
        uint32_t name, type;
        mlt_type t = {.address = 0x1000, .basicsize = 32};
        if (mlt_writer_begin_image(w, &info, &err) != MLT_OK ||
            mlt_writer_intern(w, "T", 1, &name, &err) != MLT_OK ||
            (t.name = name, mlt_writer_add_type(w, &t, &type, &err)) != MLT_OK)
            _exit(11);
        uint64_t noise = 88172645463325252u; /* incompressible sizes: bytes reach the file */
        for (uint64_t i = 0; i < 600000; i++) {
            noise ^= noise << 13;
            noise ^= noise >> 7;
            noise ^= noise << 17;
            mlt_object o = {.address = 0x10000 + i * 32, .type = type, .size = noise >> 8};
            if (mlt_writer_add_object(w, &o, &err) != MLT_OK)
                _exit(12);
        }
        /* stopped here: the image is never ended, as if the child were killed */
    }
    uint64_t size = mlt_writer_file_size(w);
    if (write(fd, &size, sizeof size) != (ssize_t)sizeof size)
        _exit(13);
    _exit(c.calls > 0 ? 0 : 14);
}

static uint64_t fork_and_write(mlt_writer *w, uint64_t sequence, int whole)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        child_writes(w, sequence, whole, fds[1]);
    close(fds[1]);
    uint64_t size = 0;
    ck_assert_int_eq(read(fds[0], &size, sizeof size), (ssize_t)sizeof size);
    close(fds[0]);
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
    return size;
}

/* A writer on a fresh file in a fresh directory. */
static mlt_writer *open_fresh(const char *name, char **path)
{
    *path = tmp_path(name);
    mlt_file_info info;
    fill_file_info(&info);
    mlt_writer *w;
    mlt_error err;
    ck_assert_int_eq(mlt_writer_open(*path, &info, NULL, &w, &err), MLT_OK);
    return w;
}

START_TEST(parent_adopts_what_the_child_wrote)
{
    char *path;
    mlt_writer *w = open_fresh("fork.mlt", &path);
    mlt_error err;
    write_heap(w, &SPEC, 0);
    uint64_t before = mlt_writer_file_size(w);
    uint64_t after = fork_and_write(w, 1, 1);
    ck_assert_uint_gt(after, before);
    ck_assert_uint_eq(mlt_writer_file_size(w), before); /* the parent did not see it yet */
    mlt_writer_adopt_file_size(w, after);
    write_heap(w, &SPEC, 2);
    mlt_writer_close(w);
    mlt_reader *r;
    ck_assert_int_eq(mlt_reader_open(path, NULL, &r, &err), MLT_OK);
    ck_assert_uint_eq(mlt_reader_image_count(r), 3);
    for (uint64_t i = 0; i < 3; i++)
        check_heap(r, i, &SPEC, i);
    ck_assert_ptr_null(mlt_reader_tail_error(r));
    mlt_reader_close(r);
    free(path);
}
END_TEST

START_TEST(a_torn_child_image_is_cut_off)
{
    char *path;
    mlt_writer *w = open_fresh("torn.mlt", &path);
    mlt_error err;
    write_heap(w, &SPEC, 0);
    fork_and_write(w, 1, 0);
    struct stat sb;
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_uint_gt((uint64_t)sb.st_size, mlt_writer_file_size(w)); /* the torn part is there */
    ck_assert_int_eq(mlt_writer_cut_to_known_end(w, &err), MLT_OK);
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_uint_eq((uint64_t)sb.st_size, mlt_writer_file_size(w));
    write_heap(w, &SPEC, 1);
    mlt_writer_close(w);
    check_reads_clean(path, 2);
    free(path);
}
END_TEST

START_TEST(rehome_only_between_images)
{
    char *path;
    mlt_writer *w = open_fresh("mid.mlt", &path);
    mlt_error err;
    mlt_image_info image;
    fill_image_info(&image, 0);
    ck_assert_int_eq(mlt_writer_begin_image(w, &image, &err), MLT_OK);
    ck_assert_int_eq(mlt_writer_rehome(w, NULL, &err), MLT_ERR_USAGE);
    ck_assert_ptr_nonnull(strstr(err.message, "between images"));
    ck_assert_int_eq(mlt_writer_cut_to_known_end(w, &err), MLT_ERR_USAGE);
    mlt_writer_close(w);
    free(path);
}
END_TEST

Suite *writer_fork_suite(void)
{
    const TTest *tests[] = {parent_adopts_what_the_child_wrote, a_torn_child_image_is_cut_off,
                            rehome_only_between_images};
    return ts_suite("writer_fork", "writer_fork", 0, tests, TS_COUNT(tests));
}
