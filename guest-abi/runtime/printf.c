/* printf.c: vsnprintf/snprintf for PV guests (integers, strings, pointers; no floats). */
#include <pvguest/printf.h>
#include <pvguest/string.h>

/* Output cursor: counts every byte, stores those that fit. */
struct out {
    char *buf;
    size_t size;
    size_t len;
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void put_n(struct out *o, char c, int n)
{
    while (n-- > 0)
        put(o, c);
}

/* One parsed conversion specification. */
struct spec {
    bool left, plus, space, alt, zero;
    int width;     /* -1: none */
    int precision; /* -1: none */
    int base;
    bool upper;
};

/* Emits an unsigned magnitude with sign/prefix, precision and padding. */
static void put_number(struct out *o, const struct spec *sp, unsigned long long v, bool neg)
{
    const char *digits = sp->upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0;
    while (v) {
        tmp[n++] = digits[v % (unsigned)sp->base];
        v /= (unsigned)sp->base;
    }
    bool zero_value = n == 0;
    /* C99: precision 0 with value 0 prints no digits (but %#o still prints "0"). */
    if (zero_value && sp->precision != 0)
        tmp[n++] = '0';

    const char *prefix = "";
    if (neg)
        prefix = "-";
    else if (sp->plus)
        prefix = "+";
    else if (sp->space)
        prefix = " ";
    if (sp->alt && sp->base == 16 && !zero_value)
        prefix = sp->upper ? "0X" : "0x";

    int zeros = sp->precision > n ? sp->precision - n : 0;
    if (sp->alt && sp->base == 8 && zeros == 0 && (n == 0 || tmp[n - 1] != '0'))
        zeros = 1;
    int body = (int)strlen(prefix) + zeros + n;
    int pad = sp->width > body ? sp->width - body : 0;

    if (!sp->left && !(sp->zero && sp->precision < 0))
        put_n(o, ' ', pad);
    for (const char *p = prefix; *p; p++)
        put(o, *p);
    if (!sp->left && sp->zero && sp->precision < 0)
        put_n(o, '0', pad);
    put_n(o, '0', zeros);
    while (n)
        put(o, tmp[--n]);
    if (sp->left)
        put_n(o, ' ', pad);
}

static void put_string(struct out *o, const struct spec *sp, const char *s)
{
    if (!s)
        s = "(null)";
    int n = (int)(sp->precision >= 0 ? strnlen(s, (size_t)sp->precision) : strlen(s));
    int pad = sp->width > n ? sp->width - n : 0;
    if (!sp->left)
        put_n(o, ' ', pad);
    for (int i = 0; i < n; i++)
        put(o, s[i]);
    if (sp->left)
        put_n(o, ' ', pad);
}

/* Parses flags, width and precision at *fmt; advances *fmt past them. */
static void parse_spec(const char **fmt, va_list *ap, struct spec *sp)
{
    const char *f = *fmt;
    *sp = (struct spec){.width = -1, .precision = -1, .base = 10};
    for (;; f++) {
        if (*f == '-')
            sp->left = true;
        else if (*f == '+')
            sp->plus = true;
        else if (*f == ' ')
            sp->space = true;
        else if (*f == '#')
            sp->alt = true;
        else if (*f == '0')
            sp->zero = true;
        else
            break;
    }
    if (*f == '*') {
        sp->width = va_arg(*ap, int);
        if (sp->width < 0) {
            sp->left = true;
            sp->width = -sp->width;
        }
        f++;
    } else {
        for (sp->width = 0; *f >= '0' && *f <= '9'; f++)
            sp->width = sp->width * 10 + (*f - '0');
    }
    if (*f == '.') {
        f++;
        if (*f == '*') {
            sp->precision = va_arg(*ap, int);
            if (sp->precision < 0)
                sp->precision = -1;
            f++;
        } else {
            for (sp->precision = 0; *f >= '0' && *f <= '9'; f++)
                sp->precision = sp->precision * 10 + (*f - '0');
        }
    }
    *fmt = f;
}

/* Length modifier, counted in 'h' (negative) or 'l' (positive) steps; 'j','z','t' = long. */
static int parse_length(const char **fmt)
{
    int len = 0;
    for (;; (*fmt)++) {
        char c = **fmt;
        if (c == 'h')
            len--;
        else if (c == 'l' || c == 'j' || c == 'z' || c == 't')
            len++;
        else
            return len;
    }
}

static unsigned long long fetch_unsigned(va_list *ap, int len)
{
    if (len >= 1)
        return len >= 2 ? va_arg(*ap, unsigned long long) : va_arg(*ap, unsigned long);
    unsigned int v = va_arg(*ap, unsigned int);
    return len == -1 ? (unsigned short)v : len <= -2 ? (unsigned char)v : v;
}

static long long fetch_signed(va_list *ap, int len)
{
    if (len >= 1)
        return len >= 2 ? va_arg(*ap, long long) : va_arg(*ap, long);
    int v = va_arg(*ap, int);
    return len == -1 ? (short)v : len <= -2 ? (signed char)v : v;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap_in)
{
    struct out o = {buf, size, 0};
    va_list ap;
    va_copy(ap, ap_in);
    while (*fmt) {
        if (*fmt != '%') {
            put(&o, *fmt++);
            continue;
        }
        fmt++;
        struct spec sp;
        parse_spec(&fmt, &ap, &sp);
        int len = parse_length(&fmt);
        char conv = *fmt ? *fmt++ : '\0';
        switch (conv) {
        case 'd':
        case 'i': {
            long long v = fetch_signed(&ap, len);
            unsigned long long mag = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
            put_number(&o, &sp, mag, v < 0);
            break;
        }
        case 'u':
        case 'o':
        case 'x':
        case 'X':
            sp.base = conv == 'u' ? 10 : conv == 'o' ? 8 : 16;
            sp.upper = conv == 'X';
            sp.plus = sp.space = false;
            put_number(&o, &sp, fetch_unsigned(&ap, len), false);
            break;
        case 'p':
            sp.base = 16;
            sp.alt = true;
            sp.plus = sp.space = false;
            put_number(&o, &sp, (uintptr_t)va_arg(ap, void *), false);
            break;
        case 'c': {
            char c[2] = {(char)va_arg(ap, int), '\0'};
            sp.precision = 1;
            if (!c[0]) { /* a NUL character still counts as one byte */
                put_n(&o, ' ', sp.left ? 0 : sp.width - 1);
                put(&o, '\0');
                put_n(&o, ' ', sp.left ? sp.width - 1 : 0);
            } else {
                put_string(&o, &sp, c);
            }
            break;
        }
        case 's':
            put_string(&o, &sp, va_arg(ap, const char *));
            break;
        case '%':
            put(&o, '%');
            break;
        case '\0':
            break;
        default: /* unknown conversion: print it verbatim so the mistake is visible */
            put(&o, '%');
            put(&o, conv);
            break;
        }
    }
    va_end(ap);
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
