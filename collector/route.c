/* route.c -- which unit a report goes to, and why. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "route.h"
#include "utf8.h"

static int	rule_matches(const struct route_rule *, const Gr__Report *,
		    const struct route_facts *);

static int
rule_matches(const struct route_rule *rule, const Gr__Report *r,
    const struct route_facts *f)
{
	if (rule->colour >= 0 && rule->colour != (int)r->colour)
		return 0;
	if (rule->min_people >= 0 && (long)r->people < rule->min_people)
		return 0;
	if (rule->min_amount_fen >= 0 && (!r->has_amount_fen ||
	    r->amount_fen < rule->min_amount_fen))
		return 0;
	if (rule->category[0] != '\0' && strcmp(rule->category,
	    r->category) != 0)
		return 0;
	if (rule->county_level >= 0 && rule->county_level != f->county_level)
		return 0;
	if (rule->repeat_open >= 0 && rule->repeat_open != f->repeat_open)
		return 0;
	return 1;
}

int
route_decide(const struct ruleset *rs, const Gr__Report *r,
    const struct route_facts *f, struct route *out)
{
	const struct route_rule *rule = NULL;

	memset(out, 0, sizeof(*out));
	memcpy(out->county, r->grid_code, 6);
	memcpy(out->township, r->grid_code, 9);
	for (size_t i = 0; rs != NULL && i < rs->n; i++)
		if (rule_matches(&rs->rules[i], r, f)) {
			rule = &rs->rules[i];
			break;
		}
	if (rule == NULL) {
		out->level = GR__LEVEL__TOWNSHIP;
		memcpy(out->unit, out->township, sizeof(out->township));
		snprintf(out->rule, sizeof(out->rule), "default");
		snprintf(out->reason, sizeof(out->reason),
		    "no routing rule matched: township of grid %s",
		    r->grid_code);
		return 0;
	}
	out->level = rule->level;
	if (rule->level == GR__LEVEL__COUNTY)
		memcpy(out->unit, out->county, sizeof(out->county));
	else
		memcpy(out->unit, out->township, sizeof(out->township));
	snprintf(out->rule, sizeof(out->rule), "%s", rule->name);
	utf8_copy(out->reason, rule->reason, sizeof(out->reason));
	out->response_days = rule->response_days;
	out->resolve_days = rule->resolve_days;
	return 1;
}

void
ruleset_free(struct ruleset *rs)
{
	free(rs->rules);
	rs->rules = NULL;
	rs->n = 0;
}
