/* cmdline.c: token lookup in guest command lines ("word key=value", space separated). */
#include <pvguest/cmdline.h>
#include <pvguest/string.h>

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n';
}

/* Calls back for each token; stops early when fn returns true.  Returns that result. */
static bool for_each_token(const char *s, bool (*fn)(const char *tok, size_t len, void *arg),
                           void *arg)
{
    if (!s)
        return false;
    for (;;) {
        while (is_space(*s))
            s++;
        if (!*s)
            return false;
        size_t len = 0;
        while (s[len] && !is_space(s[len]))
            len++;
        if (fn(s, len, arg))
            return true;
        s += len;
    }
}

static void copy_out(char *buf, size_t size, const char *src, size_t len)
{
    if (!size)
        return;
    if (len > size - 1)
        len = size - 1;
    memcpy(buf, src, len);
    buf[len] = '\0';
}

struct key_query {
    const char *key;
    size_t key_len;
    char *buf;
    size_t size;
};

static bool match_key(const char *tok, size_t len, void *arg)
{
    struct key_query *q = arg;
    if (len <= q->key_len || tok[q->key_len] != '=' || strncmp(tok, q->key, q->key_len))
        return false;
    copy_out(q->buf, q->size, tok + q->key_len + 1, len - q->key_len - 1);
    return true;
}

bool pv_cmdline_get(const char *cmdline, const char *key, char *buf, size_t size)
{
    struct key_query q = {key, strlen(key), buf, size};
    return for_each_token(cmdline, match_key, &q);
}

static bool match_word(const char *tok, size_t len, void *arg)
{
    const char *word = arg;
    size_t n = strlen(word);
    return len >= n && !strncmp(tok, word, n) && (len == n || tok[n] == '=');
}

bool pv_cmdline_has(const char *cmdline, const char *word)
{
    return for_each_token(cmdline, match_word, (void *)word);
}

unsigned long pv_cmdline_ulong(const char *cmdline, const char *key, unsigned long def)
{
    char buf[32], *end;
    if (!pv_cmdline_get(cmdline, key, buf, sizeof(buf)) || !buf[0])
        return def;
    unsigned long v = strtoul(buf, &end, 0);
    return *end ? def : v;
}

struct nth_query {
    unsigned int left;
    char *buf;
    size_t size;
};

static bool match_nth(const char *tok, size_t len, void *arg)
{
    struct nth_query *q = arg;
    if (q->left--)
        return false;
    copy_out(q->buf, q->size, tok, len);
    return true;
}

bool pv_cmdline_word(const char *cmdline, unsigned int n, char *buf, size_t size)
{
    struct nth_query q = {n, buf, size};
    return for_each_token(cmdline, match_nth, &q);
}
