/* csv.h -- comma-separated values as RFC 4180 has them. */
#ifndef GR_CSV_H
#define GR_CSV_H

#include <stdio.h>

/* Write one field: as it is when it holds no comma, double quote, CR or
 * LF and does not start or end with a space, else in double quotes with
 * each double quote doubled.  A NULL field is written empty.  Returns 0,
 * or -1 on a write error. */
int	csv_field(FILE *, const char *);

/* Write the fields of one record, comma-separated, ending in CRLF.
 * Returns 0, or -1 on a write error. */
int	csv_record(FILE *, const char *const *fields, int n);

#endif
