/* taxonomy.h -- the dispute categories, compiled in from schema/taxonomy.tsv
 * so the agent can check a report offline. */
#ifndef GR_TAXONOMY_H
#define GR_TAXONOMY_H

#include <stddef.h>

struct taxon {
	const char	*code;		/* "02" for a class, "0203" for an item */
	const char	*parent;	/* NULL for a class */
	const char	*name_zh;
	const char	*name_en;
	int		 county_level;
};

/* Generated from schema/taxonomy.tsv at build time. */
extern const struct taxon taxonomy[];
extern const size_t taxonomy_len;

/* The entry for code, or NULL. */
const struct taxon	*taxonomy_find(const char *code);

#endif
