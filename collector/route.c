/* route.c -- which unit a report goes to, and why. */
#include <stdio.h>
#include <string.h>

#include "route.h"

void
route_decide(const Gr__Report *r, struct route *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->county, r->grid_code, 6);
	memcpy(out->township, r->grid_code, 9);
	memcpy(out->unit, out->township, sizeof(out->township));
	out->level = GR__LEVEL__TOWNSHIP;
	out->rule = "territorial";
	snprintf(out->reason, sizeof(out->reason),
	    "属地: township %s of grid %s", out->township, r->grid_code);
}
