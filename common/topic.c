/* topic.c -- the MQTT topic names of DESIGN.md section 4. */
#include <stdio.h>
#include <string.h>

#include "topic.h"
#include "util.h"

#define TOPIC_ROOT "gr/v1/"

int
topic_id_valid(const char *s)
{
	return token_valid(s, "_-", 3, 32);
}

int
topic_make(char *buf, size_t size, const char *kind, const char *id)
{
	int n;

	if (!topic_id_valid(id))
		return -1;
	n = snprintf(buf, size, TOPIC_ROOT "%s/%s", kind, id);
	return (n < 0 || (size_t)n >= size) ? -1 : 0;
}

int
topic_parse(const char *topic, const char *kind, char *id, size_t idsize)
{
	size_t klen = strlen(kind), rlen = strlen(TOPIC_ROOT);
	const char *rest;

	if (strncmp(topic, TOPIC_ROOT, rlen) != 0 ||
	    strncmp(topic + rlen, kind, klen) != 0 || topic[rlen + klen] != '/')
		return -1;
	rest = topic + rlen + klen + 1;
	if (!topic_id_valid(rest) || strlen(rest) >= idsize)
		return -1;
	memcpy(id, rest, strlen(rest) + 1);
	return 0;
}
