/* test_xlcfg_hostile.c: xl.cfg syntax errors with their line numbers, and hostile input. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pvisor/xlcfg.h>

TCase *xlcfg_errors_tcase(void);
TCase *xlcfg_hostile_tcase(void);

struct bad {
    const char *text;
    size_t len; /* 0: strlen(text) */
    const char *err;
};

/* Every syntax error the grammar reports, each with the line it must name. */
static const struct bad bad_inputs[] = {
    {"name = \n", 0, "t.cfg:1: expected a value after '=', found end of line"},
    {"a = 1\nb c\n", 0, "t.cfg:2: expected '=' after 'b', found a bare word"},
    {"a = 1\nb\n", 0, "t.cfg:2: expected '=' after 'b', found end of line"},
    {"\na = 'abc\nb = 1\n", 0,
     "t.cfg:2: unterminated string: missing closing ' before end of line"},
    {"a = \"abc", 0, "t.cfg:1: unterminated string: missing closing \" before end of file"},
    {"a = 'abc\\", 0, "t.cfg:1: unterminated string: missing closing ' before end of file"},
    {"x = 1\na = [ 'x',\n 'y'\n\n", 0, "t.cfg:2: unterminated list: '[' has no matching ']'"},
    {"a = [ 'x',\n", 0, "t.cfg:1: unterminated list: '[' has no matching ']'"},
    {"a = [ 'x' 'y' ]", 0, "t.cfg:1: expected ',' or ']' in list, found a string"},
    {"a = [ 'x'\n ; ]", 0, "t.cfg:2: expected ',' or ']' in list, found ';'"},
    {"a = [\n[ 'x' ]]", 0, "t.cfg:2: nested lists are not supported"},
    {"a = [ , ]", 0, "t.cfg:1: expected a value in list, found ','"},
    {"a = foo", 0, "t.cfg:1: bare word 'foo' after '='; strings need quotes: \"foo\""},
    {"a = [ foo ]", 0, "t.cfg:1: bare word 'foo' in list; strings need quotes: \"foo\""},
    {"= 3", 0, "t.cfg:1: expected a setting name, found '='"},
    {"'a' = 3", 0, "t.cfg:1: expected a setting name, found a string"},
    {"a = 1 2", 0,
     "t.cfg:1: found a number after the value of 'a' (put one setting per line, or "
     "separate settings with ';')"},
    {"a = 'x' b = 2", 0,
     "t.cfg:1: found a bare word after the value of 'a' (put one setting per line, or "
     "separate settings with ';')"},
    {"a = 12abc", 0,
     "t.cfg:1: invalid number '12abc' (numbers are decimal or 0x hex; quote other text)"},
    {"a = 0x", 0, "t.cfg:1: invalid number '0x' (numbers are decimal or 0x hex; quote other text)"},
    {"a = 0xfg", 0,
     "t.cfg:1: invalid number '0xfg' (numbers are decimal or 0x hex; quote other text)"},
    {"a = 18446744073709551616", 0, "t.cfg:1: number '18446744073709551616' is too large"},
    {"a = 0x10000000000000000", 0, "t.cfg:1: number '0x10000000000000000' is too large"},
    {"a = 'x\\q'", 0, "t.cfg:1: unknown escape '\\q' in string"},
    {"a = '\\x4'", 0, "t.cfg:1: \\x in a string needs two hex digits"},
    {"a = '\\x'", 0, "t.cfg:1: \\x in a string needs two hex digits"},
    {"a = '\\0'", 0, "t.cfg:1: a string cannot contain a NUL byte (\\0)"},
    {"a = '\\x00'", 0, "t.cfg:1: a string cannot contain a NUL byte (\\0)"},
    {"a = '\\777'", 0, "t.cfg:1: octal escape \\777 is over 255"},
    {"a = 1\n\n\nb = $", 0, "t.cfg:4: unexpected character '$'"},
    {"a = 1\n\xff = 2", 0, "t.cfg:2: unexpected byte 0xff"},
    {"a = -1", 0, "t.cfg:1: unexpected character '-'"},
    {"a += 1\na += 2", 0, "t.cfg:2: '+=' cannot add to 'a': it is a number"},
    {"a = 'x'\na += [ 'y' ]", 0, "t.cfg:2: '+=' on 'a' needs a string like its earlier value"},
    {"a = [ 'x' ]\n# c\na += 'y'", 0, "t.cfg:3: '+=' on 'a' needs a list like its earlier value"},
    {"a = 1\nb = 2\nc = 'x\0y'\n", 22, "t.cfg:3: NUL byte in config text (is this a binary file?)"},
    {"# comment \0 with nul\n", 21, "t.cfg:1: NUL byte in config text (is this a binary file?)"},
    {"a = + 1", 0, "t.cfg:1: unexpected character '+'"},
    {"a == 1", 0, "t.cfg:1: expected a value after '=', found '='"},
    {"a = ]", 0, "t.cfg:1: expected a value after '=', found ']'"},
};

START_TEST(syntax_error)
{
    const struct bad *b = &bad_inputs[_i];
    struct xlcfg_doc doc = {0};
    char err[512] = "";
    size_t len = b->len ? b->len : strlen(b->text);

    ck_assert_int_eq(xlcfg_doc_parse(&doc, "t.cfg", 1, b->text, len, err, sizeof(err)), -EINVAL);
    ck_assert_str_eq(err, b->err);
    xlcfg_doc_free(&doc);
}
END_TEST

START_TEST(error_keeps_earlier_settings)
{
    struct xlcfg_doc doc = {0};
    char err[256];
    const char *t = "a = 1\nb = [ 'x' ]\nc = oops\nd = 2\n";

    ck_assert_int_eq(xlcfg_doc_parse(&doc, "t.cfg", 1, t, strlen(t), err, sizeof(err)), -EINVAL);
    ck_assert_uint_eq(doc.nset, 2);
    ck_assert_ptr_null(xlcfg_doc_get(&doc, "c"));
    xlcfg_doc_free(&doc);
}
END_TEST

START_TEST(first_line_offset)
{
    struct xlcfg_doc doc = {0};
    char err[256];

    ck_assert_int_eq(xlcfg_doc_parse(&doc, "<command line>", 3, "x=y", 3, err, sizeof(err)),
                     -EINVAL);
    ck_assert_str_eq(err, "<command line>:3: bare word 'y' after '='; strings need quotes: "
                          "\"y\"");
    xlcfg_doc_free(&doc);
}
END_TEST

TCase *xlcfg_errors_tcase(void)
{
    TCase *tc = tcase_create("errors");

    tcase_add_loop_test(tc, syntax_error, 0, sizeof(bad_inputs) / sizeof(bad_inputs[0]));
    tcase_add_test(tc, error_keeps_earlier_settings);
    tcase_add_test(tc, first_line_offset);
    return tc;
}

/* --- hostile input ---------------------------------------------------------------------- */

static int parse_buf(struct xlcfg_doc *doc, const char *buf, size_t len, char *err, size_t errlen)
{
    return xlcfg_doc_parse(doc, "t.cfg", 1, buf, len, err, errlen);
}

START_TEST(very_long_string_line)
{
    size_t n = XLCFG_MAX_SIZE - 16;
    char *buf = malloc(n + 1), err[256];
    struct xlcfg_doc doc = {0};

    memcpy(buf, "a = '", 5);
    memset(buf + 5, 'x', n - 6);
    buf[n - 1] = '\'';
    buf[n] = '\0';
    ck_assert_int_eq(parse_buf(&doc, buf, n, err, sizeof(err)), 0);
    ck_assert_uint_eq(strlen(xlcfg_doc_get(&doc, "a")->v.str), n - 6);
    xlcfg_doc_free(&doc);
    buf[n - 1] = 'x'; /* now unterminated */
    ck_assert_int_eq(parse_buf(&doc, buf, n, err, sizeof(err)), -EINVAL);
    ck_assert_str_eq(err, "t.cfg:1: unterminated string: missing closing ' before end of file");
    xlcfg_doc_free(&doc);
    free(buf);
}
END_TEST

START_TEST(over_size_limit)
{
    size_t n = XLCFG_MAX_SIZE + 1;
    char *buf = malloc(n), err[256];
    struct xlcfg_doc doc = {0};

    memset(buf, '\n', n);
    ck_assert_int_eq(parse_buf(&doc, buf, n, err, sizeof(err)), -EFBIG);
    ck_assert_str_eq(err, "t.cfg:1: config text is over 1048576 bytes");
    free(buf);
}
END_TEST

START_TEST(very_long_key_and_number)
{
    size_t n = 200000;
    char *buf = malloc(n + 8), err[256];
    struct xlcfg_doc doc = {0};

    memset(buf, 'k', n);
    memcpy(buf + n, " = 1", 5);
    ck_assert_int_eq(parse_buf(&doc, buf, n + 4, err, sizeof(err)), 0);
    ck_assert_uint_eq(strlen(doc.set[0].key), n);
    xlcfg_doc_free(&doc);
    memcpy(buf, "a = ", 4);
    memset(buf + 4, '9', n);
    ck_assert_int_eq(parse_buf(&doc, buf, n + 4, err, sizeof(err)), -EINVAL);
    ck_assert_ptr_nonnull(strstr(err, "is too large"));
    ck_assert_uint_lt(strlen(err), 200);
    free(buf);
}
END_TEST

START_TEST(deeply_nested_brackets)
{
    size_t n = 100000;
    char *buf = malloc(n + 8), err[256];
    struct xlcfg_doc doc = {0};

    memcpy(buf, "a = ", 4);
    memset(buf + 4, '[', n);
    ck_assert_int_eq(parse_buf(&doc, buf, n + 4, err, sizeof(err)), -EINVAL);
    ck_assert_str_eq(err, "t.cfg:1: nested lists are not supported");
    memset(buf + 4, ']', n);
    ck_assert_int_eq(parse_buf(&doc, buf, n + 4, err, sizeof(err)), -EINVAL);
    ck_assert_str_eq(err, "t.cfg:1: expected a value after '=', found ']'");
    free(buf);
}
END_TEST

START_TEST(many_lines_then_error)
{
    size_t n = 100000;
    char *buf = malloc(n + 16), err[256];
    struct xlcfg_doc doc = {0};

    memset(buf, '\n', n);
    memcpy(buf + n, "a = b", 5);
    ck_assert_int_eq(parse_buf(&doc, buf, n + 5, err, sizeof(err)), -EINVAL);
    ck_assert_str_eq(err, "t.cfg:100001: bare word 'b' after '='; strings need quotes: \"b\"");
    free(buf);
}
END_TEST

START_TEST(too_many_items)
{
    size_t cap = 8 * (XLCFG_MAX_ITEMS + 2) + 16, off;
    char *buf = malloc(cap), err[256];
    struct xlcfg_doc doc = {0};

    off = (size_t)sprintf(buf, "a = [");
    for (unsigned i = 0; i < XLCFG_MAX_ITEMS + 1; i++)
        off += (size_t)sprintf(buf + off, "'x',");
    off += (size_t)sprintf(buf + off, "]\n");
    ck_assert_int_eq(parse_buf(&doc, buf, off, err, sizeof(err)), -EINVAL);
    ck_assert_str_eq(err, "t.cfg:1: list has more than 4096 items");
    xlcfg_doc_free(&doc);
    free(buf);
}
END_TEST

START_TEST(too_many_settings)
{
    size_t cap = 16 * (XLCFG_MAX_SETTINGS + 2), off = 0;
    char *buf = malloc(cap), err[256];
    struct xlcfg_doc doc = {0};

    for (unsigned i = 0; i < XLCFG_MAX_SETTINGS + 1; i++)
        off += (size_t)sprintf(buf + off, "k%u=1\n", i);
    ck_assert_int_eq(parse_buf(&doc, buf, off, err, sizeof(err)), -EFBIG);
    ck_assert_str_eq(err, "t.cfg:4097: more than 4096 settings");
    ck_assert_uint_eq(doc.nset, XLCFG_MAX_SETTINGS);
    xlcfg_doc_free(&doc);
    free(buf);
}
END_TEST

START_TEST(tiny_error_buffers)
{
    struct xlcfg_doc doc = {0};
    char err[4] = "zzz";

    ck_assert_int_eq(parse_buf(&doc, "a = b", 5, err, 0), -EINVAL);
    ck_assert_str_eq(err, "zzz");
    ck_assert_int_eq(parse_buf(&doc, "a = b", 5, err, 1), -EINVAL);
    ck_assert_str_eq(err, "");
    ck_assert_int_eq(parse_buf(&doc, "a = b", 5, err, sizeof(err)), -EINVAL);
    ck_assert_str_eq(err, "t.c");
    xlcfg_doc_free(&doc);
}
END_TEST

/* Random byte soup from the grammar's own alphabet: must never crash or leak errors. */
START_TEST(random_soup)
{
    static const char alpha[] = "ab_=+[],;#'\"\\\n\r\t x0123456789xfq.\x01\xff";
    unsigned seed = 12345;
    char buf[96], err[512];

    for (int iter = 0; iter < 200000; iter++) {
        struct xlcfg_doc doc = {0};
        struct xlcfg cfg;
        size_t n = (size_t)(rand_r(&seed) % sizeof(buf));
        int rc;

        for (size_t i = 0; i < n; i++)
            buf[i] = alpha[rand_r(&seed) % (sizeof(alpha) - 1)];
        err[0] = '\0';
        rc = parse_buf(&doc, buf, n, err, sizeof(err));
        ck_assert(rc == 0 || (rc == -EINVAL && strncmp(err, "t.cfg:", 6) == 0));
        if (rc == 0 && xlcfg_from_doc(&doc, "t.cfg", &cfg, NULL, NULL, err, sizeof(err)) == 0)
            xlcfg_free(&cfg);
        xlcfg_doc_free(&doc);
    }
}
END_TEST

/* Mutations of a valid config: every single-byte change and every truncation. */
START_TEST(mutated_config)
{
    static const char good[] = "name = 'g' # c\nkernel = \"/k\"\nvif = [ 'bridge=a',\n 'mtu=9000', ]\n"
                               "memory = 0x20; uuid = '00112233-4455-6677-8899-aabbccddeeff'\n";
    static const char subst[] = "\0\n'\"[]=,\\#;x9";
    char buf[sizeof(good)], err[512];

    for (size_t pos = 0; pos < sizeof(good) - 1; pos++) {
        for (size_t s = 0; s < sizeof(subst) - 1; s++) {
            struct xlcfg_doc doc = {0};
            struct xlcfg cfg;

            memcpy(buf, good, sizeof(good));
            buf[pos] = subst[s];
            if (parse_buf(&doc, buf, sizeof(good) - 1, err, sizeof(err)) == 0 &&
                xlcfg_from_doc(&doc, "t.cfg", &cfg, NULL, NULL, err, sizeof(err)) == 0)
                xlcfg_free(&cfg);
            xlcfg_doc_free(&doc);
            if (parse_buf(&doc, good, pos, err, sizeof(err)) == 0)
                xlcfg_doc_free(&doc);
            xlcfg_doc_free(&doc);
        }
    }
}
END_TEST

TCase *xlcfg_hostile_tcase(void)
{
    TCase *tc = tcase_create("hostile");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, very_long_string_line);
    tcase_add_test(tc, over_size_limit);
    tcase_add_test(tc, very_long_key_and_number);
    tcase_add_test(tc, deeply_nested_brackets);
    tcase_add_test(tc, many_lines_then_error);
    tcase_add_test(tc, too_many_items);
    tcase_add_test(tc, too_many_settings);
    tcase_add_test(tc, tiny_error_buffers);
    tcase_add_test(tc, random_soup);
    tcase_add_test(tc, mutated_config);
    return tc;
}
