/* pgarr.h -- PostgreSQL array literals ("{"a","b",NULL}") built element by
 * element, to pass a whole batch as one text parameter of a statement
 * (unnest($1::text[], ...)).  No libpq needed. */
#ifndef GR_PGARR_H
#define GR_PGARR_H

#include <stddef.h>

struct pgarr {
	char	*buf;
	size_t	 len, cap;
};

/* Append v, double-quoted with its quotes and backslashes escaped; NULL
 * appends an SQL NULL. */
void		 pgarr_put(struct pgarr *, const char *v);

/* The literal, "{}" when nothing was put; valid until the next
 * pgarr_put() or pgarr_free(). */
const char	*pgarr_end(struct pgarr *);

/* Free the buffer; the array is empty again. */
void		 pgarr_free(struct pgarr *);

#endif
