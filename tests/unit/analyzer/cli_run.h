/*
 * Runs the built memalot-analyze for the CLI tests and captures its exit
 * status, stdout and stderr. Header-only (static inline) because each
 * test_*.c in this folder is its own program.
 *
 * The binary is $MEMALOT_ANALYZE, else memalot-analyze next to the test
 * binary (both land in <build>/bin).
 */
#ifndef MEMALOT_TEST_CLI_RUN_H
#define MEMALOT_TEST_CLI_RUN_H

#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700

#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

typedef struct {
    int status; /* exit status, or 128 + signal */
    char *out;  /* stdout (or the terminal's output with pty) */
    char *err;  /* stderr */
} cli_result;

static inline const char *cli_binary(void)
{
    static char path[4096];
    const char *configured = getenv("MEMALOT_ANALYZE");
    if (configured && configured[0])
        return configured;
    char self[4096];
    ssize_t length = readlink("/proc/self/exe", self, sizeof self - 1);
    if (length <= 0)
        return "memalot-analyze";
    self[length] = '\0';
    snprintf(path, sizeof path, "%s/memalot-analyze", dirname(self));
    return path;
}

static inline char *cli_read_file(const char *path)
{
    FILE *in = fopen(path, "rb");
    if (!in)
        return calloc(1, 1);
    fseek(in, 0, SEEK_END);
    long size = ftell(in);
    fseek(in, 0, SEEK_SET);
    char *data = calloc((size_t)(size > 0 ? size : 0) + 1, 1);
    if (data && size > 0 && fread(data, 1, (size_t)size, in) != (size_t)size)
        data[0] = '\0';
    fclose(in);
    return data;
}

static inline void cli_result_free(cli_result *result)
{
    free(result->out);
    free(result->err);
    result->out = result->err = NULL;
}

/* Reads the pty master until the child has closed it (EIO on Linux). */
static inline char *cli_drain(int master)
{
    size_t used = 0, capacity = 4096;
    char *data = malloc(capacity);
    for (;;) {
        if (used + 1024 > capacity)
            data = realloc(data, capacity *= 2);
        ssize_t got = read(master, data + used, capacity - used - 1);
        if (got <= 0)
            break;
        used += (size_t)got;
    }
    data[used] = '\0';
    return data;
}

/* Runs memalot-analyze with args (NULL-terminated, without argv[0]).
 * no_color: NULL leaves NO_COLOR unset, else sets it. use_pty: stdout is a
 * pseudo-terminal, so that color decisions can be observed. */
static inline cli_result cli_run_with(const char *const *args, const char *no_color, int use_pty,
                                      const char *env_name, const char *env_value)
{
    cli_result result = {-1, NULL, NULL};
    char out_path[] = "/tmp/mla-cli-out-XXXXXX", err_path[] = "/tmp/mla-cli-err-XXXXXX";
    int out_fd = mkstemp(out_path), err_fd = mkstemp(err_path);
    int master = -1;
    char *slave_name = NULL;
    if (use_pty) {
        master = posix_openpt(O_RDWR | O_NOCTTY);
        if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0)
            return result;
        slave_name = ptsname(master);
    }
    size_t count = 0;
    while (args[count])
        count++;
    const char **argv = calloc(count + 2, sizeof *argv);
    argv[0] = cli_binary();
    memcpy(argv + 1, args, count * sizeof *argv);
    fflush(NULL);
    pid_t child = fork();
    if (child == 0) {
        if (no_color)
            setenv("NO_COLOR", no_color, 1);
        else
            unsetenv("NO_COLOR");
        if (env_name)
            setenv(env_name, env_value, 1);
        int stdout_fd = out_fd;
        if (use_pty) {
            setsid();
            stdout_fd = open(slave_name, O_RDWR);
        }
        dup2(stdout_fd, 1);
        dup2(err_fd, 2);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    free(argv);
    if (use_pty)
        result.out = cli_drain(master);
    int status = 0;
    waitpid(child, &status, 0);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (use_pty)
        close(master);
    else
        result.out = cli_read_file(out_path);
    result.err = cli_read_file(err_path);
    close(out_fd);
    close(err_fd);
    unlink(out_path);
    unlink(err_path);
    /* A sanitizer build's report would otherwise pass as an ordinary exit 1. */
    ck_assert_msg(strstr(result.err, "Sanitizer") == NULL, "sanitizer report: %s", result.err);
    return result;
}

static inline cli_result cli_run(const char *const *args)
{
    return cli_run_with(args, NULL, 0, NULL, NULL);
}

/* A fresh directory under $TMPDIR (or /tmp); the caller frees the string. */
static inline char *cli_temp_dir(void)
{
    const char *base = getenv("TMPDIR");
    char *dir = malloc(4096);
    snprintf(dir, 4096, "%s/mla-cli-XXXXXX", base && *base ? base : "/tmp");
    return mkdtemp(dir) ? dir : NULL;
}

static inline char *cli_join(const char *dir, const char *name)
{
    char *path = malloc(strlen(dir) + strlen(name) + 2);
    sprintf(path, "%s/%s", dir, name);
    return path;
}

#endif /* MEMALOT_TEST_CLI_RUN_H */
