/* route.h -- which unit a report goes to, and why: the routing rules of the
 * route_rule table, held in memory and matched in priority order. */
#ifndef GR_ROUTE_H
#define GR_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "gr.pb-c.h"

/* One rule; a condition of -1 (or "") matches anything. */
struct route_rule {
	char		 name[32];
	int		 colour;	/* Gr__Colour */
	long		 min_people;
	int64_t		 min_amount_fen;
	char		 category[3];
	int		 county_level;	/* 0/1: the category is county-level */
	int		 repeat_open;	/* 0/1: links to a case still open */
	Gr__Level	 level;
	int		 response_days;	/* 0: the colour's policy */
	int		 resolve_days;
	char		 reason[484];	/* 120 characters of UTF-8 */
};

struct ruleset {
	struct route_rule *rules;	/* in priority order */
	size_t		 n;
};

/* What the database knows about a report, for matching. */
struct route_facts {
	int		 county_level;
	int		 repeat_open;	/* repeats a case still open */
	char		 repeat_case_id[24];	/* the case it repeats, or "" */
	char		 repeat_case_no[32];
};

struct route {
	Gr__Level	 level;
	char		 unit[16];	/* 9-digit township or 6-digit county */
	char		 township[16];
	char		 county[8];
	char		 rule[32];	/* name of the rule that decided */
	char		 reason[512];
	int		 response_days;	/* 0: the colour's policy */
	int		 resolve_days;
};

/*
 * Route a validated report with the first matching rule.  1 when a rule
 * matched; 0 when none did, and the report goes to the township of its grid
 * under the built-in rule "default".  The grid code's first 9 digits are
 * its township, the first 6 its county.
 */
int	route_decide(const struct ruleset *, const Gr__Report *,
	    const struct route_facts *, struct route *);

void	ruleset_free(struct ruleset *);

#endif
