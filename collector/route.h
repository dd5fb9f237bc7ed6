/* route.h -- which unit a report goes to, and why. */
#ifndef GR_ROUTE_H
#define GR_ROUTE_H

#include "gr.pb-c.h"

struct route {
	Gr__Level	 level;
	char		 unit[16];	/* 9-digit township or 6-digit county */
	char		 township[16];
	char		 county[8];
	const char	*rule;		/* static name of the rule that decided */
	char		 reason[160];
};

/* Decide the unit for a validated report: the township of its grid (属地).
 * The grid code's first 9 digits are its township, 6 its county. */
void	route_decide(const Gr__Report *, struct route *);

#endif
