/*
 * The text of a fleet report: which processes were analysed and in which
 * role, then the suspects merged across workers, each with how many
 * processes show it and their counts, then the master's own suspects.
 */
#include <string.h>

#include "memalot/render.h"
#include "suspect_where.h"

#define SHARES_SHOWN 8

static const char *role_word(mla_process_role role)
{
    return role == MLA_ROLE_MASTER ? "master" : role == MLA_ROLE_WORKER ? "worker" : "process";
}

static void print_processes(FILE *out, const mla_fleet *fleet)
{
    size_t workers = 0;
    for (size_t i = 0; i < fleet->process_count; i++)
        workers += fleet->processes[i].role == MLA_ROLE_WORKER;
    fprintf(out, "%zu processes (%s%zu workers):\n", fleet->process_count,
            fleet->master ? "1 master, " : "", workers);
    for (size_t i = 0; i < fleet->process_count; i++) {
        const mla_process *p = &fleet->processes[i];
        fprintf(out, "  pid %-8llu %-8s parent %-8llu %-8s ", (unsigned long long)p->pid,
                role_word(p->role), (unsigned long long)p->parent_pid, p->verdict);
        mlr_put_terminal(out, p->path);
        fputc('\n', out);
    }
}

static void print_shares(FILE *out, const mla_fleet_suspect *s)
{
    fprintf(out, "    in %u process%s:", s->processes, s->processes == 1 ? "" : "es");
    size_t shown = s->share_count < SHARES_SHOWN ? s->share_count : SHARES_SHOWN;
    for (size_t i = 0; i < shown; i++)
        fprintf(out, "%s pid %llu: %llu", i ? "," : "", (unsigned long long)s->shares[i].pid,
                (unsigned long long)s->shares[i].count);
    if (shown < s->share_count)
        fprintf(out, ", and %zu more", s->share_count - shown);
    fputc('\n', out);
}


static void print_suspect(FILE *out, const mla_fleet_suspect *fs)
{
    const mla_suspect *s = &fs->merged;
    char retained[MLR_FMT_SIZE_MAX];
    fprintf(out, "\n#%u %s: %llu candidates ", s->id + 1,
            s->trend == MLA_TREND_GROWING ? "growing" : "stable", (unsigned long long)s->count);
    mlr_internal_put_where(out, s, mlr_put_terminal);
    fputc('\n', out);
    print_shares(out, fs);
    mlr_internal_put_holds(out, s, " (all processes)");
    fprintf(out, "    retains:  %s in all",
            mlr_fmt_size(s->retained_bytes, retained, sizeof retained));
    if (s->undated_count)
        fprintf(out, "; %llu undated", (unsigned long long)s->undated_count);
    fputc('\n', out);
    if (s->example_count > 0 && s->examples[0].path_count > 0) {
        fputs("    e.g.      ", out);
        mlr_put_terminal(out, s->examples[0].paths[0].root);
        mlr_put_path_steps(out, &s->examples[0].paths[0]);
        fputs(" (in the process with the most)\n", out);
    }
}

static void print_master(FILE *out, const mla_fleet *fleet)
{
    const mla_process *m = fleet->master;
    if (!m)
        return;
    size_t growing = 0;
    for (size_t i = 0; i < m->suspect_count; i++)
        growing += m->suspects[i].trend == MLA_TREND_GROWING;
    fprintf(out, "\nMaster (pid %llu): %zu growing suspect%s, %zu stable\n",
            (unsigned long long)m->pid, growing, growing == 1 ? "" : "s",
            m->suspect_count - growing);
    for (size_t i = 0; i < m->suspect_count; i++) {
        const mla_suspect *s = &m->suspects[i];
        fprintf(out, "  %s: %llu candidates ", s->trend == MLA_TREND_GROWING ? "growing" : "stable",
                (unsigned long long)s->count);
        mlr_internal_put_where(out, s, mlr_put_terminal);
        fputc('\n', out);
    }
}

void mlr_render_fleet_text(FILE *out, const mla_fleet *fleet, const mlr_text_style *style)
{
    (void)style;
    char criterion[160];
    mlr_criterion_text(&fleet->criterion, criterion, sizeof criterion);
    fprintf(out, "memalot fleet report\nCriterion: %s\n", criterion);
    print_processes(out, fleet);
    size_t stable = fleet->suspect_count - fleet->growing_count;
    fprintf(out, "\n%zu leak suspect%s growing across the workers, %zu stable\n",
            fleet->growing_count, fleet->growing_count == 1 ? "" : "s", stable);
    for (size_t i = 0; i < fleet->suspect_count; i++)
        print_suspect(out, &fleet->suspects[i]);
    print_master(out, fleet);
    for (size_t i = 0; i < fleet->warning_count; i++) {
        fputs("\nwarning: ", out);
        mlr_put_terminal(out, fleet->warnings[i]);
    }
    if (fleet->warning_count)
        fputc('\n', out);
}
