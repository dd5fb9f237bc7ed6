/* utf8.h -- UTF-8 well-formedness and length in characters. */
#ifndef GR_UTF8_H
#define GR_UTF8_H

#include <stddef.h>

/* Number of characters in the len bytes at s, or -1 when they are not
 * well-formed UTF-8 (overlong forms, surrogates, values past U+10FFFF,
 * truncated sequences) or contain a NUL or a C0 control other than tab,
 * newline and carriage return. */
long	utf8_chars(const char *s, size_t len);

/* Copy src into dst of size bytes, NUL-terminated, cutting only between
 * characters, so that a cut never leaves a broken sequence behind.
 * Returns the bytes copied. */
size_t	utf8_copy(char *dst, const char *src, size_t size);

#endif
