/* ulid.h -- time-ordered unique ids minted on the device (ULID). */
#ifndef GR_ULID_H
#define GR_ULID_H

#include <stdint.h>

#define ULID_LEN 26

/* Write a new ULID for time ms (milliseconds since the epoch) and 80
 * random bits into out, NUL-terminated.  0 on success, -1 when the
 * system's random source fails. */
int	ulid_make(char out[ULID_LEN + 1], int64_t ms);

/* 1 when s is a well-formed ULID (26 Crockford base-32 capitals), else 0. */
int	ulid_valid(const char *s);

/* The time encoded in a well-formed ULID, in milliseconds. */
int64_t	ulid_time(const char *s);

#endif
