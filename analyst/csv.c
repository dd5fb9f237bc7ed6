/* csv.c -- comma-separated values as RFC 4180 has them. */
#include <stdlib.h>
#include <string.h>

#include "csv.h"

/*
 * A cell a spreadsheet would take for a formula (=, +, -, @, or a tab or
 * CR first) unless it is a plain number, as a negative change is: such text
 * comes from the field (a report's summary) and must stay text.
 */
static int
formula_like(const char *s)
{
	char *end;

	if (strchr("=+-@\t\r", s[0]) == NULL)
		return 0;
	(void)strtod(s, &end);
	return end == s || *end != '\0';
}

int
csv_field(FILE *fp, const char *s)
{
	size_t n;

	if (s == NULL || *s == '\0')
		return 0;
	n = strlen(s);
	/* Leading or trailing spaces are quoted too: some readers trim them. */
	if (strpbrk(s, ",\"\r\n") == NULL && s[0] != ' ' && s[n - 1] != ' ' &&
	    !formula_like(s))
		return fputs(s, fp) == EOF ? -1 : 0;
	if (putc('"', fp) == EOF)
		return -1;
	/* an apostrophe first keeps it text in a spreadsheet */
	if (formula_like(s) && putc('\'', fp) == EOF)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s == '"' && putc('"', fp) == EOF)
			return -1;
		if (putc(*s, fp) == EOF)
			return -1;
	}
	return putc('"', fp) == EOF ? -1 : 0;
}

int
csv_record(FILE *fp, const char *const *fields, int n)
{
	for (int i = 0; i < n; i++) {
		if (i > 0 && putc(',', fp) == EOF)
			return -1;
		if (csv_field(fp, fields[i]) == -1)
			return -1;
	}
	return fputs("\r\n", fp) == EOF ? -1 : 0;
}
