/* pgarr.c -- PostgreSQL array literals, element by element. */
#include <stdlib.h>
#include <string.h>

#include "pgarr.h"
#include "util.h"

/* Room for need more bytes and the closing "}\0". */
static void
grow(struct pgarr *a, size_t need)
{
	if (a->len + need + 2 <= a->cap)
		return;
	while (a->len + need + 2 > a->cap)
		a->cap = a->cap ? 2 * a->cap : 256;
	a->buf = xrealloc(a->buf, a->cap);
}

void
pgarr_put(struct pgarr *a, const char *v)
{
	grow(a, (v != NULL ? 2 * strlen(v) + 2 : 4) + 1);
	a->buf[a->len] = a->len == 0 ? '{' : ',';
	a->len++;
	if (v == NULL) {
		memcpy(a->buf + a->len, "NULL", 4);
		a->len += 4;
		return;
	}
	a->buf[a->len++] = '"';
	for (; *v != '\0'; v++) {
		if (*v == '"' || *v == '\\')
			a->buf[a->len++] = '\\';
		a->buf[a->len++] = *v;
	}
	a->buf[a->len++] = '"';
}

const char *
pgarr_end(struct pgarr *a)
{
	if (a->len == 0) {
		grow(a, 1);
		a->buf[0] = '{';
		a->buf[1] = '}';
		a->buf[2] = '\0';
		return a->buf;
	}
	a->buf[a->len] = '}';
	a->buf[a->len + 1] = '\0';
	return a->buf;
}

void
pgarr_free(struct pgarr *a)
{
	free(a->buf);
	a->buf = NULL;
	a->len = a->cap = 0;
}
