/* xlcfg_parse.c: xl.cfg lexer and grammar into a key -> value document (no key meanings). */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pvisor/xlcfg.h>

enum tok { T_EOF, T_NL, T_SEMI, T_EQ, T_PLUSEQ, T_LBR, T_RBR, T_COMMA, T_IDENT, T_NUM, T_STR };

struct token {
    enum tok t;
    int line;
    char *text; /* owned; IDENT / NUM / STR only */
};

struct lexer {
    const char *p, *end;
    int line;
    const char *source;
    char *err;
    size_t errlen;
};

static int lex_error(struct lexer *lx, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int lex_error(struct lexer *lx, int line, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (lx->errlen)
        snprintf(lx->err, lx->errlen, "%s:%d: %s", lx->source, line, msg);
    return -EINVAL;
}

static bool is_ident_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_ident_char(char c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9') || c == '.';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static const char *tok_name(enum tok t)
{
    static const char *const names[] = {
        [T_EOF] = "end of file",   [T_NL] = "end of line", [T_SEMI] = "';'",     [T_EQ] = "'='",
        [T_PLUSEQ] = "'+='",       [T_LBR] = "'['",        [T_RBR] = "']'",      [T_COMMA] = "','",
        [T_IDENT] = "a bare word", [T_NUM] = "a number",   [T_STR] = "a string",
    };
    return names[t];
}

/* Decodes one escape after a backslash at lx->p; appends the byte to *q. */
static int lex_escape(struct lexer *lx, const char *stop, char **q)
{
    static const char simple[] = "\"\"''\\\\a\ab\bf\fn\nr\rt\tv\v";
    char c = *lx->p++;
    unsigned v = 0;
    int n = 0;

    for (const char *s = simple; *s; s += 2) {
        if (c == s[0]) {
            *(*q)++ = s[1];
            return 0;
        }
    }
    if (c == 'x') {
        for (; n < 2 && lx->p < stop && hexval(*lx->p) >= 0; n++)
            v = v * 16 + (unsigned)hexval(*lx->p++);
        if (n != 2)
            return lex_error(lx, lx->line, "\\x in a string needs two hex digits");
    } else if (c >= '0' && c <= '7') {
        v = (unsigned)(c - '0');
        for (n = 1; n < 3 && lx->p < stop && *lx->p >= '0' && *lx->p <= '7'; n++)
            v = v * 8 + (unsigned)(*lx->p++ - '0');
        if (v > 255)
            return lex_error(lx, lx->line, "octal escape \\%o is over 255", v);
    } else {
        return lex_error(lx, lx->line, "unknown escape '\\%c' in string", c);
    }
    if (v == 0)
        return lex_error(lx, lx->line, "a string cannot contain a NUL byte (\\0)");
    *(*q)++ = (char)v;
    return 0;
}

/* Scans a quoted string starting at the quote; the result is unescaped. */
static int lex_string(struct lexer *lx, struct token *tk)
{
    char quote = *lx->p++;
    const char *stop = memchr(lx->p, '\n', (size_t)(lx->end - lx->p));
    char *buf, *q;
    int rc;

    if (!stop)
        stop = lx->end;
    buf = malloc((size_t)(stop - lx->p) + 1);
    if (!buf)
        return -ENOMEM;
    q = buf;
    while (lx->p < stop && *lx->p != quote) {
        if (*lx->p == '\\' && lx->p + 1 < stop) {
            lx->p++;
            rc = lex_escape(lx, stop, &q);
            if (rc < 0) {
                free(buf);
                return rc;
            }
        } else {
            *q++ = *lx->p++;
        }
    }
    if (lx->p >= stop) {
        free(buf);
        return lex_error(lx, lx->line, "unterminated string: missing closing %c before %s", quote,
                         stop == lx->end ? "end of file" : "end of line");
    }
    lx->p++;
    *q = '\0';
    tk->t = T_STR;
    tk->text = buf;
    return 0;
}

/* Scans a decimal or 0x-hex number; must fit in 64 bits. */
static int lex_number(struct lexer *lx, struct token *tk)
{
    const char *s = lx->p;
    bool hex = lx->end - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    int base = hex ? 16 : 10;
    unsigned long long v = 0;
    bool big = false;

    lx->p += hex ? 2 : 0;
    while (lx->p < lx->end && hexval(*lx->p) >= 0 && hexval(*lx->p) < base) {
        unsigned d = (unsigned)hexval(*lx->p++);
        big |= v > (~0ULL - d) / (unsigned)base;
        v = v * (unsigned)base + d;
    }
    if ((hex && lx->p == s + 2) || (lx->p < lx->end && is_ident_char(*lx->p))) {
        while (lx->p < lx->end && is_ident_char(*lx->p))
            lx->p++;
        return lex_error(lx, lx->line,
                         "invalid number '%.*s' (numbers are decimal or 0x hex;"
                         " quote other text)",
                         (int)(lx->p - s > 40 ? 40 : lx->p - s), s);
    }
    if (big)
        return lex_error(lx, lx->line, "number '%.*s' is too large",
                         (int)(lx->p - s > 40 ? 40 : lx->p - s), s);
    tk->t = T_NUM;
    tk->text = strndup(s, (size_t)(lx->p - s));
    return tk->text ? 0 : -ENOMEM;
}

static int lex_word(struct lexer *lx, struct token *tk)
{
    const char *s = lx->p;

    while (lx->p < lx->end && is_ident_char(*lx->p))
        lx->p++;
    tk->t = T_IDENT;
    tk->text = strndup(s, (size_t)(lx->p - s));
    return tk->text ? 0 : -ENOMEM;
}

static void skip_blanks(struct lexer *lx)
{
    while (lx->p < lx->end) {
        if (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\r')
            lx->p++;
        else if (*lx->p == '#')
            while (lx->p < lx->end && *lx->p != '\n')
                lx->p++;
        else
            break;
    }
}

static int lex_punct(struct lexer *lx, struct token *tk)
{
    static const enum tok map[128] = {
        ['\n'] = T_NL, [';'] = T_SEMI, ['='] = T_EQ, ['['] = T_LBR, [']'] = T_RBR, [','] = T_COMMA,
    };
    unsigned char c = (unsigned char)*lx->p;

    if (c == '+' && lx->end - lx->p > 1 && lx->p[1] == '=') {
        lx->p += 2;
        tk->t = T_PLUSEQ;
        return 0;
    }
    if (c < 128 && map[c] != T_EOF) {
        tk->t = map[c];
        lx->p++;
        if (c == '\n')
            lx->line++;
        return 0;
    }
    if (c >= 0x21 && c < 0x7f)
        return lex_error(lx, lx->line, "unexpected character '%c'", c);
    return lex_error(lx, lx->line, "unexpected byte 0x%02x", c);
}

/* Reads the next token into *tk (text owned by the caller on success). */
static int lex_next(struct lexer *lx, struct token *tk)
{
    skip_blanks(lx);
    tk->text = NULL;
    tk->line = lx->line;
    if (lx->p >= lx->end) {
        tk->t = T_EOF;
        return 0;
    }
    if (*lx->p == '"' || *lx->p == '\'')
        return lex_string(lx, tk);
    if (*lx->p >= '0' && *lx->p <= '9')
        return lex_number(lx, tk);
    if (is_ident_start(*lx->p))
        return lex_word(lx, tk);
    return lex_punct(lx, tk);
}

/* --- the document ------------------------------------------------------------------- */

static void value_free(struct xlcfg_value *v)
{
    free(v->str);
    for (size_t i = 0; i < v->nitems; i++)
        free(v->items[i]);
    free(v->items);
    memset(v, 0, sizeof(*v));
}

void xlcfg_doc_free(struct xlcfg_doc *doc)
{
    for (size_t i = 0; i < doc->nset; i++) {
        free(doc->set[i].key);
        free(doc->set[i].source);
        value_free(&doc->set[i].v);
    }
    free(doc->set);
    memset(doc, 0, sizeof(*doc));
}

const struct xlcfg_setting *xlcfg_doc_get(const struct xlcfg_doc *doc, const char *key)
{
    for (size_t i = 0; i < doc->nset; i++)
        if (strcmp(doc->set[i].key, key) == 0)
            return &doc->set[i];
    return NULL;
}

static int list_push(struct xlcfg_value *v, char *item)
{
    char **n;

    if (v->nitems >= XLCFG_MAX_ITEMS)
        return -EFBIG;
    n = realloc(v->items, (v->nitems + 1) * sizeof(*n));
    if (!n)
        return -ENOMEM;
    v->items = n;
    v->items[v->nitems++] = item;
    return 0;
}

/* `old += add`: concatenates strings or appends list items; consumes add. */
static int value_append(struct xlcfg_value *old, struct xlcfg_value *add)
{
    if (old->type == XLCFG_STRING && add->type == XLCFG_STRING) {
        size_t a = strlen(old->str), b = strlen(add->str);
        char *s = realloc(old->str, a + b + 1);

        if (!s)
            return -ENOMEM;
        memcpy(s + a, add->str, b + 1);
        old->str = s;
        value_free(add);
        return 0;
    }
    while (add->nitems) {
        int rc = list_push(old, add->items[0]);

        if (rc < 0)
            return rc;
        memmove(add->items, add->items + 1, --add->nitems * sizeof(char *));
    }
    value_free(add);
    return 0;
}

struct parser {
    struct lexer lx;
    struct xlcfg_doc *doc;
    struct token tk; /* current token */
};

static int advance(struct parser *ps)
{
    free(ps->tk.text);
    ps->tk.text = NULL;
    return lex_next(&ps->lx, &ps->tk);
}

/* `key += v` onto the existing setting s; consumes v on success. */
static int append_to(struct parser *ps, struct xlcfg_setting *s, struct xlcfg_value *v, int line)
{
    int rc;

    if (s->v.type == XLCFG_NUMBER)
        return lex_error(&ps->lx, line, "'+=' cannot add to '%.40s': it is a number", s->key);
    if (s->v.type != v->type)
        return lex_error(&ps->lx, line, "'+=' on '%.40s' needs a %s like its earlier value", s->key,
                         s->v.type == XLCFG_LIST ? "list" : "string");
    rc = value_append(&s->v, v);
    if (rc == -EFBIG)
        lex_error(&ps->lx, line, "list '%.40s' has more than %u items", s->key, XLCFG_MAX_ITEMS);
    return rc;
}

/* A new setting for key at the end of the document; takes v on success. */
static int add_setting(struct parser *ps, const char *key, struct xlcfg_value *v, int line,
                       struct xlcfg_setting **out)
{
    struct xlcfg_doc *doc = ps->doc;
    struct xlcfg_setting *s;

    if (doc->nset >= XLCFG_MAX_SETTINGS) {
        lex_error(&ps->lx, line, "more than %u settings", XLCFG_MAX_SETTINGS);
        return -EFBIG;
    }
    if (doc->nset == doc->cap) {
        size_t cap = doc->cap ? doc->cap * 2 : 16;
        struct xlcfg_setting *n = realloc(doc->set, cap * sizeof(*n));

        if (!n)
            return -ENOMEM;
        doc->set = n;
        doc->cap = cap;
    }
    s = &doc->set[doc->nset];
    memset(s, 0, sizeof(*s));
    s->key = strdup(key);
    if (!s->key)
        return -ENOMEM;
    doc->nset++;
    s->v = *v;
    *out = s;
    return 0;
}

/* Sets or appends `key`; takes *v on success (zeroing it), never takes key. */
static int store(struct parser *ps, const char *key, bool append, struct xlcfg_value *v, int line)
{
    struct xlcfg_setting *s = (struct xlcfg_setting *)xlcfg_doc_get(ps->doc, key);
    char *src = strdup(ps->lx.source);
    int rc = src ? 0 : -ENOMEM;

    if (rc == 0 && s && append) {
        rc = append_to(ps, s, v, line);
    } else if (rc == 0 && s) {
        value_free(&s->v);
        s->v = *v;
    } else if (rc == 0) {
        rc = add_setting(ps, key, v, line, &s);
    }
    if (rc < 0) {
        free(src);
        return rc;
    }
    free(s->source);
    s->source = src;
    s->line = line;
    memset(v, 0, sizeof(*v));
    return 0;
}

/* --- the grammar ---------------------------------------------------------------------- */

static int skip_newlines(struct parser *ps)
{
    int rc = 0;

    while (rc == 0 && ps->tk.t == T_NL)
        rc = advance(ps);
    return rc;
}

static int bad_value(struct parser *ps, const char *where)
{
    if (ps->tk.t == T_IDENT)
        return lex_error(&ps->lx, ps->tk.line,
                         "bare word '%.40s' %s; strings need quotes: \"%.40s\"", ps->tk.text, where,
                         ps->tk.text);
    return lex_error(&ps->lx, ps->tk.line, "expected a value %s, found %s", where,
                     tok_name(ps->tk.t));
}

/* One list item: a string or a number (lists do not nest). */
static int parse_item(struct parser *ps, struct xlcfg_value *v, int open_line)
{
    int rc;

    if (ps->tk.t == T_LBR)
        return lex_error(&ps->lx, ps->tk.line, "nested lists are not supported");
    if (ps->tk.t == T_EOF)
        return lex_error(&ps->lx, open_line, "unterminated list: '[' has no matching ']'");
    if (ps->tk.t != T_STR && ps->tk.t != T_NUM)
        return bad_value(ps, "in list");
    rc = list_push(v, ps->tk.text);
    if (rc == -EFBIG)
        return lex_error(&ps->lx, ps->tk.line, "list has more than %u items", XLCFG_MAX_ITEMS);
    if (rc < 0)
        return rc;
    ps->tk.text = NULL;
    rc = advance(ps);
    return rc < 0 ? rc : skip_newlines(ps);
}

/* '[' already current: [ item (, item)* ,? ] across any number of lines. */
static int parse_list(struct parser *ps, struct xlcfg_value *v)
{
    int open_line = ps->tk.line;
    int rc;

    v->type = XLCFG_LIST;
    rc = advance(ps);
    while (rc == 0) {
        rc = skip_newlines(ps);
        if (rc < 0 || ps->tk.t == T_RBR)
            break;
        rc = parse_item(ps, v, open_line);
        if (rc < 0)
            break;
        if (ps->tk.t == T_RBR)
            break;
        if (ps->tk.t == T_EOF)
            return lex_error(&ps->lx, open_line, "unterminated list: '[' has no matching ']'");
        if (ps->tk.t != T_COMMA)
            return lex_error(&ps->lx, ps->tk.line, "expected ',' or ']' in list, found %s",
                             tok_name(ps->tk.t));
        rc = advance(ps);
    }
    return rc < 0 ? rc : advance(ps);
}

static int parse_value(struct parser *ps, struct xlcfg_value *v)
{
    memset(v, 0, sizeof(*v));
    if (ps->tk.t == T_LBR)
        return parse_list(ps, v);
    if (ps->tk.t != T_STR && ps->tk.t != T_NUM)
        return bad_value(ps, "after '='");
    v->type = ps->tk.t == T_STR ? XLCFG_STRING : XLCFG_NUMBER;
    v->str = ps->tk.text;
    ps->tk.text = NULL;
    return advance(ps);
}

/* IDENT ('=' | '+=') value (NEWLINE | ';' | EOF); current token is the IDENT. */
static int parse_setting(struct parser *ps)
{
    char *key = ps->tk.text;
    int line = ps->tk.line, rc;
    struct xlcfg_value v = {0};
    bool append;

    ps->tk.text = NULL;
    rc = advance(ps);
    if (rc == 0 && ps->tk.t != T_EQ && ps->tk.t != T_PLUSEQ)
        rc = lex_error(&ps->lx, ps->tk.line, "expected '=' after '%.40s', found %s", key,
                       tok_name(ps->tk.t));
    append = ps->tk.t == T_PLUSEQ;
    if (rc == 0)
        rc = advance(ps);
    if (rc == 0)
        rc = parse_value(ps, &v);
    if (rc == 0 && ps->tk.t != T_NL && ps->tk.t != T_SEMI && ps->tk.t != T_EOF) {
        rc = lex_error(&ps->lx, ps->tk.line,
                       "found %s after the value of '%.40s' (put one setting per line, or "
                       "separate settings with ';')",
                       tok_name(ps->tk.t), key);
    }
    if (rc == 0)
        rc = store(ps, key, append, &v, line);
    value_free(&v);
    free(key);
    return rc;
}

static int find_nul(struct lexer *lx, const char *text, size_t len)
{
    const char *nul = memchr(text, '\0', len);
    int line = lx->line;

    if (!nul)
        return 0;
    for (const char *p = text; p < nul; p++)
        line += *p == '\n';
    return lex_error(lx, line, "NUL byte in config text (is this a binary file?)");
}

int xlcfg_doc_parse(struct xlcfg_doc *doc, const char *source, int first_line, const char *text,
                    size_t len, char *err, size_t errlen)
{
    struct parser ps = {
        .lx = {.p = text,
               .end = text + len,
               .line = first_line,
               .source = source,
               .err = err,
               .errlen = errlen},
        .doc = doc,
    };
    int rc;

    if (len > XLCFG_MAX_SIZE) {
        lex_error(&ps.lx, first_line, "config text is over %u bytes", XLCFG_MAX_SIZE);
        return -EFBIG;
    }
    rc = find_nul(&ps.lx, text, len);
    if (rc == 0)
        rc = advance(&ps);
    while (rc == 0 && ps.tk.t != T_EOF) {
        if (ps.tk.t == T_IDENT)
            rc = parse_setting(&ps);
        else if (ps.tk.t == T_NL || ps.tk.t == T_SEMI)
            rc = advance(&ps);
        else
            rc = lex_error(&ps.lx, ps.tk.line, "expected a setting name, found %s",
                           tok_name(ps.tk.t));
    }
    free(ps.tk.text);
    if (rc == -ENOMEM && errlen)
        snprintf(err, errlen, "%s: out of memory", source);
    return rc;
}
