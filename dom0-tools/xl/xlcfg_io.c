/* xlcfg_io.c: loading a config file with overrides, kernel path resolution, rendering, UUIDs. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pvisor/xlcfg.h>

/* Reads a whole regular file of at most XLCFG_MAX_SIZE bytes into a malloc'd buffer. */
static int read_file(const char *path, char **out, size_t *len, char *err, size_t errlen)
{
    struct stat st;
    char *buf = NULL;
    size_t got = 0;
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

    if (fd < 0 || fstat(fd, &st) < 0) {
        rc = -errno;
        snprintf(err, errlen, "%s: cannot read config: %s", path, strerror(-rc));
        goto out;
    }
    if (!S_ISREG(st.st_mode) || st.st_size > XLCFG_MAX_SIZE) {
        rc = S_ISREG(st.st_mode) ? -EFBIG : -EINVAL;
        snprintf(err, errlen, "%s: %s", path,
                 rc == -EFBIG ? "config file is over 1 MiB" : "not a regular file");
        goto out;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        rc = -ENOMEM;
        goto out;
    }
    while (got < (size_t)st.st_size && (n = read(fd, buf + got, (size_t)st.st_size - got)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = -errno;
            snprintf(err, errlen, "%s: cannot read config: %s", path, strerror(-rc));
            goto out;
        }
        got += (size_t)n;
    }
    buf[got] = '\0';
out:
    if (fd >= 0)
        close(fd);
    if (rc < 0)
        free(buf);
    else
        *out = buf, *len = got;
    return rc;
}

static char *dir_of(const char *path)
{
    const char *slash = path ? strrchr(path, '/') : NULL;

    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

static int parse_overrides(struct xlcfg_doc *doc, char *const *ov, int n, char *err, size_t errlen)
{
    for (int i = 0; i < n; i++) {
        int rc = xlcfg_doc_parse(doc, "<command line>", i + 1, ov[i], strlen(ov[i]), err, errlen);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int xlcfg_load(const char *path, char *const *overrides, int noverrides, struct xlcfg *cfg,
               xlcfg_warn_fn warn, void *opaque, char *err, size_t errlen)
{
    struct xlcfg_doc doc = {0};
    char *text = NULL;
    size_t len = 0;
    int rc = 0;

    memset(cfg, 0, sizeof(*cfg));
    if (path)
        rc = read_file(path, &text, &len, err, errlen);
    if (rc == 0 && path)
        rc = xlcfg_doc_parse(&doc, path, 1, text, len, err, errlen);
    if (rc == 0)
        rc = parse_overrides(&doc, overrides, noverrides, err, errlen);
    if (rc == 0)
        rc = xlcfg_from_doc(&doc, path, cfg, warn, opaque, err, errlen);
    if (rc == 0) {
        cfg->dir = dir_of(path);
        if (!cfg->dir) {
            xlcfg_free(cfg);
            rc = -ENOMEM;
        }
    }
    free(text);
    xlcfg_doc_free(&doc);
    return rc;
}

/* Replaces cfg->kernel with the canonical absolute form of `candidate` if it exists. */
static int try_path(struct xlcfg *cfg, const char *candidate)
{
    char *abs = realpath(candidate, NULL);

    if (!abs)
        return -errno;
    free(cfg->kernel);
    cfg->kernel = abs;
    return 0;
}

int xlcfg_resolve_paths(struct xlcfg *cfg, char *err, size_t errlen)
{
    char *in_dir = NULL;
    int rc;

    if (!cfg->kernel)
        return -EINVAL;
    if (cfg->kernel[0] == '/') {
        if (access(cfg->kernel, F_OK) == 0)
            return 0;
        rc = -errno;
        snprintf(err, errlen, "kernel %s: %s", cfg->kernel, strerror(-rc));
        return rc;
    }
    if (asprintf(&in_dir, "%s/%s", cfg->dir ? cfg->dir : ".", cfg->kernel) < 0)
        return -ENOMEM;
    rc = try_path(cfg, in_dir);
    if (rc == -ENOENT || rc == -ENOTDIR)
        rc = try_path(cfg, cfg->kernel);
    if (rc == -ENOENT || rc == -ENOTDIR)
        snprintf(err, errlen,
                 "kernel \"%s\" not found (looked for %s and ./%s); build the "
                 "guests with `make` or fix the kernel line",
                 cfg->kernel, in_dir, cfg->kernel);
    else if (rc < 0)
        snprintf(err, errlen, "kernel \"%s\": %s", cfg->kernel, strerror(-rc));
    free(in_dir);
    return rc;
}

/* --- rendering ----------------------------------------------------------------------- */

static void put_quoted(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;

        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20 || ch == 0x7f)
            fprintf(f, "\\x%02x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

static void put_str(FILE *f, const char *key, const char *v)
{
    fprintf(f, "%s = ", key);
    put_quoted(f, v);
    fputc('\n', f);
}

static void put_list(FILE *f, const char *key, const struct xlcfg_strlist *l)
{
    if (!l->n)
        return;
    fprintf(f, "%s = [\n", key);
    for (size_t i = 0; i < l->n; i++) {
        fputs("    ", f);
        put_quoted(f, l->v[i]);
        fputs(",\n", f);
    }
    fputs("]\n", f);
}

char *xlcfg_format(const struct xlcfg *cfg)
{
    char *buf = NULL, uuid[37];
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    if (!f)
        return NULL;
    put_str(f, "name", cfg->name ? cfg->name : "");
    put_str(f, "type", xlcfg_type_name(cfg->type));
    put_str(f, "kernel", cfg->kernel ? cfg->kernel : "");
    if (cfg->cmdline && cfg->cmdline[0])
        put_str(f, "cmdline", cfg->cmdline);
    fprintf(f, "memory = %llu\nmaxmem = %llu\nvcpus = %u\nmaxvcpus = %u\n",
            (unsigned long long)cfg->memory_mb, (unsigned long long)cfg->maxmem_mb, cfg->vcpus,
            cfg->maxvcpus);
    put_str(f, "on_poweroff", xlcfg_action_name(cfg->on_poweroff));
    put_str(f, "on_reboot", xlcfg_action_name(cfg->on_reboot));
    put_str(f, "on_crash", xlcfg_action_name(cfg->on_crash));
    put_str(f, "on_watchdog", xlcfg_action_name(cfg->on_watchdog));
    if (cfg->have_uuid) {
        xlcfg_uuid_format(cfg->uuid, uuid);
        put_str(f, "uuid", uuid);
    }
    put_list(f, "disk", &cfg->disk);
    put_list(f, "vif", &cfg->vif);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* --- UUIDs ----------------------------------------------------------------------------- */

void xlcfg_uuid_format(const uint8_t u[16], char out[37])
{
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0],
             u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
             u[14], u[15]);
}

static int hexdigit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

int xlcfg_uuid_parse(const char *s, uint8_t uuid[16])
{
    int n = 0;

    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return -EINVAL;
            continue;
        }
        if (hexdigit(s[i]) < 0 || hexdigit(s[i + 1]) < 0)
            return -EINVAL;
        uuid[n++] = (uint8_t)(hexdigit(s[i]) * 16 + hexdigit(s[i + 1]));
        i++;
    }
    return s[36] == '\0' ? 0 : -EINVAL;
}
