/* Helpers shared by the subcommands of `gru`: one-line error reports, option matching,
 * loading configurations and .npy files, and all-or-nothing writing of outputs. */
#define _POSIX_C_SOURCE 200809L

#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Largest configuration file read (bytes). */
#define GRU_CLI_MAX_CONFIG (16u << 20)

void gru_cli_error(const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for (char *p = msg; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    fflush(stdout);
    fprintf(stderr, "gru: %s\n", msg);
    fflush(stderr);
}

/* gru_errmsg() without a leading "<path>: ". */
static const char *msg_after_path(const char *path)
{
    const char *m = gru_errmsg();
    size_t n = strlen(path);
    if (strncmp(m, path, n) == 0 && m[n] == ':' && m[n + 1] == ' ')
        return m + n + 2;
    return m;
}

void gru_cli_error_file(const char *flag, const char *path)
{
    gru_cli_error("%s %s: %s", flag, path, msg_after_path(path));
}

int gru_cli_opt_value(int argc, char **argv, int *i, const char *name, const char **value)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return 0;
    if (a[n] == '=') {
        *value = a + n + 1;
        (*i)++;
        return 1;
    }
    if (a[n] != '\0')
        return 0;
    if (*i + 1 >= argc || strncmp(argv[*i + 1], "--", 2) == 0) {
        gru_cli_error("%s: missing value", name);
        return -1;
    }
    *value = argv[*i + 1];
    *i += 2;
    return 1;
}

bool gru_cli_opt_flag(char **argv, int *i, const char *name)
{
    if (strcmp(argv[*i], name) != 0)
        return false;
    (*i)++;
    return true;
}

bool gru_cli_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    return false;
}

/* Read a whole text file (no NUL bytes) into a malloc'ed string. */
static int read_text_file(const char *flag, const char *path, char **out)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        gru_cli_error("%s %s: cannot open: %s", flag, path, strerror(errno));
        return GRU_CLI_EXIT_ERROR;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    int rc = GRU_CLI_EXIT_OK;
    while (buf) {
        if (len + 1 >= cap) {
            if (cap >= GRU_CLI_MAX_CONFIG) {
                gru_cli_error("%s %s: file larger than %u bytes; not a configuration", flag, path,
                              GRU_CLI_MAX_CONFIG);
                rc = GRU_CLI_EXIT_ERROR;
                break;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb)
                break;
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - 1 - len, f);
        len += got;
        if (got == 0)
            break;
    }
    if (!buf) {
        gru_cli_error("%s %s: out of memory", flag, path);
        rc = GRU_CLI_EXIT_ERROR;
    } else if (rc == GRU_CLI_EXIT_OK && ferror(f)) {
        gru_cli_error("%s %s: read error: %s", flag, path, strerror(errno));
        rc = GRU_CLI_EXIT_ERROR;
    } else if (rc == GRU_CLI_EXIT_OK && memchr(buf, '\0', len)) {
        gru_cli_error("%s %s: contains NUL bytes; expected Keras config JSON or R arguments as text",
                      flag, path);
        rc = GRU_CLI_EXIT_ERROR;
    }
    fclose(f);
    if (rc != GRU_CLI_EXIT_OK) {
        free(buf);
        return rc;
    }
    buf[len] = '\0';
    *out = buf;
    return GRU_CLI_EXIT_OK;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

int gru_cli_load_config(const char *flag, const char *arg, gru_config *cfg)
{
    struct stat st;
    char *text = NULL;
    bool from_file = false;
    if (stat(arg, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            gru_cli_error("%s %s: is a directory, expected a configuration file or text", flag, arg);
            return GRU_CLI_EXIT_ERROR;
        }
        int rc = read_text_file(flag, arg, &text);
        if (rc != GRU_CLI_EXIT_OK)
            return rc;
        from_file = true;
    } else {
        /* Not a file. Text with neither '=' nor '{' that looks like a path is a missing
         * file, not a configuration. */
        const char *p = arg;
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        bool looks_like_path = !strchr(arg, '=') && *p != '{' &&
                               (strchr(arg, '/') || ends_with(arg, ".json") || ends_with(arg, ".txt") ||
                                ends_with(arg, ".r") || ends_with(arg, ".R") || ends_with(arg, ".cfg"));
        if (looks_like_path) {
            gru_cli_error("%s %s: cannot open: %s", flag, arg, strerror(ENOENT));
            return GRU_CLI_EXIT_ERROR;
        }
        if (*p == '\0') {
            gru_cli_error("%s: empty configuration; expected a file, Keras config JSON or R arguments "
                          "such as 'units = 32'", flag);
            return GRU_CLI_EXIT_ERROR;
        }
    }
    int st_parse = gru_config_parse(from_file ? text : arg, cfg);
    if (st_parse == GRU_OK)
        st_parse = gru_config_validate(cfg);
    if (st_parse != GRU_OK) {
        if (from_file)
            gru_cli_error("%s %s: %s", flag, arg, msg_after_path(arg));
        else
            gru_cli_error("%s: %s", flag, gru_errmsg());
    }
    free(text);
    return st_parse == GRU_OK ? GRU_CLI_EXIT_OK : GRU_CLI_EXIT_ERROR;
}

int gru_cli_load_npy(const char *flag, const char *path, gru_npy_array *out)
{
    if (gru_npy_read_file(path, out) != GRU_OK) {
        gru_cli_error_file(flag, path);
        return GRU_CLI_EXIT_ERROR;
    }
    return GRU_CLI_EXIT_OK;
}

/* "<dir>/.<base>.gru-partial-<pid>-<k>" next to path. */
static int partial_name(const char *path, int k, char *buf, size_t cap)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    int dirlen = slash ? (int)(slash - path) + 1 : 0;
    int n = snprintf(buf, cap, "%.*s.%.64s.gru-partial-%ld-%d", dirlen, path, base,
                     (long)getpid(), k);
    return n > 0 && (size_t)n < cap ? 0 : -1;
}

int gru_cli_write_all(int n, const char *const *flags, const char *const *paths,
                      const gru_tensor *arrays)
{
    enum { NAME_CAP = 4200 };
    char(*tmp)[NAME_CAP] = calloc(n > 0 ? (size_t)n : 1, sizeof *tmp);
    if (!tmp) {
        gru_cli_error("out of memory");
        return GRU_CLI_EXIT_ERROR;
    }
    int rc = GRU_CLI_EXIT_OK, written = 0, renamed = 0;
    /* Phase 1: every array into its temporary file. */
    for (; written < n; written++) {
        const int k = written;
        if (partial_name(paths[k], k, tmp[k], NAME_CAP) != 0) {
            gru_cli_error("%s %s: path too long", flags[k], paths[k]);
            rc = GRU_CLI_EXIT_ERROR;
            break;
        }
        if (gru_npy_write_tensor(tmp[k], &arrays[k]) != GRU_OK) {
            gru_cli_error("%s %s: %s", flags[k], paths[k], msg_after_path(tmp[k]));
            rc = GRU_CLI_EXIT_ERROR;
            break;
        }
    }
    /* Phase 2: rename them all into place. */
    if (rc == GRU_CLI_EXIT_OK) {
        for (; renamed < n; renamed++) {
            if (rename(tmp[renamed], paths[renamed]) != 0) {
                gru_cli_error("%s %s: cannot write: %s", flags[renamed], paths[renamed],
                              strerror(errno));
                rc = GRU_CLI_EXIT_ERROR;
                break;
            }
        }
    }
    if (rc != GRU_CLI_EXIT_OK) {
        for (int k = 0; k < renamed; k++)
            remove(paths[k]);
        for (int k = renamed; k < written; k++)
            remove(tmp[k]);
    }
    free(tmp);
    return rc;
}
