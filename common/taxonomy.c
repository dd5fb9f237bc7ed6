/* taxonomy.c -- look-ups in the compiled dispute taxonomy. */
#include <string.h>

#include "taxonomy.h"

const struct taxon *
taxonomy_find(const char *code)
{
	if (code == NULL)
		return NULL;
	for (size_t i = 0; i < taxonomy_len; i++)
		if (strcmp(taxonomy[i].code, code) == 0)
			return &taxonomy[i];
	return NULL;
}
