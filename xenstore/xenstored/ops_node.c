/* ops_node.c: handlers for node requests: READ, WRITE, MKDIR, RM, DIRECTORY(_PART), perms. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

/* The one-path requests: parse, canonicalise. */
static int one_path(struct xs_req *r, bool allow_special, char *path)
{
    const char *p = req_onearg(r);

    return p ? req_path(r, p, allow_special, path) : -EINVAL;
}

int op_read(struct xs_req *r)
{
    char path[XSD_PATH_BUF];
    const struct xs_node *n;
    int rc = one_path(r, false, path);

    if (rc == 0)
        rc = db_read(&r->db, path, &n);
    return rc < 0 ? rc : req_reply(r, n->value, n->vlen);
}

int op_write(struct xs_req *r)
{
    char path[XSD_PATH_BUF];
    const char *nul = memchr(r->data, '\0', r->len);
    uint32_t plen;
    int rc;

    if (!nul)
        return -EINVAL;
    plen = (uint32_t)(nul - r->data) + 1;
    rc = req_path(r, r->data, false, path);
    if (rc == 0)
        rc = db_write(&r->db, path, r->data + plen, r->len - plen);
    return rc < 0 ? rc : req_ok(r);
}

int op_mkdir(struct xs_req *r)
{
    char path[XSD_PATH_BUF];
    int rc = one_path(r, false, path);

    if (rc == 0)
        rc = db_mkdir(&r->db, path);
    return rc < 0 ? rc : req_ok(r);
}

int op_rm(struct xs_req *r)
{
    char path[XSD_PATH_BUF];
    int rc = one_path(r, false, path);

    if (rc == 0)
        rc = db_rm(&r->db, path);
    return rc < 0 ? rc : req_ok(r);
}

/* Children names, each NUL-terminated, into buf; total length or -E2BIG. */
static long child_list(const struct xs_node *n, char *buf, size_t sz)
{
    size_t used = 0;

    for (uint32_t i = 0; i < n->nkids; i++) {
        size_t l = strlen(n->kids[i]->name) + 1;
        if (used + l > sz)
            return -E2BIG;
        memcpy(buf + used, n->kids[i]->name, l);
        used += l;
    }
    return (long)used;
}

int op_directory(struct xs_req *r)
{
    char path[XSD_PATH_BUF];
    const struct xs_node *n;
    long len;
    int rc = one_path(r, false, path);

    if (rc == 0)
        rc = db_read(&r->db, path, &n);
    if (rc < 0)
        return rc;
    len = child_list(n, r->buf, XENSTORE_PAYLOAD_MAX);
    return len < 0 ? (int)len : req_reply(r, r->buf, (uint32_t)len);
}

static size_t list_size(const struct xs_node *n)
{
    size_t sz = 0;

    for (uint32_t i = 0; i < n->nkids; i++)
        sz += strlen(n->kids[i]->name) + 1;
    return sz;
}

/* Reply: "<gen>\0" then whole names from byte `off` of the full list that fit; an
 * extra "\0" (empty name) marks the end of the list. */
static int part_reply(struct xs_req *r, const struct xs_node *n, const char *list, size_t total,
                      unsigned long off)
{
    int glen = snprintf(r->buf, sizeof(r->buf), "%" PRIu64, n->gen) + 1;
    size_t room = XENSTORE_PAYLOAD_MAX - (size_t)glen - 1, len = 0;

    if (off >= total) {
        r->buf[glen] = '\0';
        return req_reply(r, r->buf, (uint32_t)glen + 1);
    }
    while (off + len < total) {
        size_t l = strlen(list + off + len) + 1;
        if (len + l > room)
            break;
        len += l;
    }
    memcpy(r->buf + glen, list + off, len);
    if (off + len == total)
        r->buf[glen + len++] = '\0';
    return req_reply(r, r->buf, (uint32_t)(glen + len));
}

int op_directory_part(struct xs_req *r)
{
    const char *argv[2];
    char path[XSD_PATH_BUF], *end, *list;
    const struct xs_node *n;
    unsigned long off;
    size_t total;
    int rc;

    if (req_args(r, argv, 2) != 2)
        return -EINVAL;
    off = strtoul(argv[1], &end, 10);
    if (*argv[1] == '\0' || *end)
        return -EINVAL;
    rc = req_path(r, argv[0], false, path);
    if (rc == 0)
        rc = db_read(&r->db, path, &n);
    if (rc < 0)
        return rc;
    total = list_size(n);
    list = malloc(total + 1);
    if (!list)
        return -ENOMEM;
    child_list(n, list, total + 1);
    /* An offset inside a name would return a partial name: refuse it. */
    rc = off > 0 && off < total && list[off - 1] != '\0' ? -EINVAL
                                                         : part_reply(r, n, list, total, off);
    free(list);
    return rc;
}

int op_get_perms(struct xs_req *r)
{
    char path[XSD_PATH_BUF];
    const struct xs_node *n;
    int rc = one_path(r, true, path);

    if (rc == 0)
        rc = db_get_perms(&r->db, path, &n);
    if (rc == 0)
        rc = perms_format_all(n->perms, n->nperms, r->buf, XENSTORE_PAYLOAD_MAX);
    return rc < 0 ? rc : req_reply(r, r->buf, (uint32_t)rc);
}

int op_set_perms(struct xs_req *r)
{
    char path[XSD_PATH_BUF];
    const char *nul = memchr(r->data, '\0', r->len);
    struct xs_perm *p;
    uint32_t np, plen;
    int rc;

    if (!nul)
        return -EINVAL;
    plen = (uint32_t)(nul - r->data) + 1;
    rc = req_path(r, r->data, true, path);
    if (rc == 0)
        rc = perms_parse(r->data + plen, r->len - plen, &p, &np);
    if (rc < 0)
        return rc;
    rc = db_set_perms(&r->db, path, p, np);
    free(p);
    return rc < 0 ? rc : req_ok(r);
}
