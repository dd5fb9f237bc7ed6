/* ulid.c -- time-ordered unique ids minted on the device (ULID). */
#include <string.h>
#include <sys/random.h>

#include "ulid.h"

static const char ulid_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

int
ulid_make(char out[ULID_LEN + 1], int64_t ms)
{
	unsigned char b[16];
	uint64_t t = (uint64_t)ms & 0xFFFFFFFFFFFFULL;
	int bit;

	for (int i = 5; i >= 0; i--) {
		b[i] = (unsigned char)(t & 0xFF);
		t >>= 8;
	}
	if (getrandom(b + 6, 10, 0) != 10)
		return -1;
	/* 128 bits as 26 groups of 5, the first group padded with 2 zeros. */
	for (int i = 0; i < ULID_LEN; i++) {
		unsigned v = 0;

		for (int j = 0; j < 5; j++) {
			bit = i * 5 + j - 2;
			v <<= 1;
			if (bit >= 0)
				v |= (b[bit / 8] >> (7 - bit % 8)) & 1;
		}
		out[i] = ulid_alphabet[v];
	}
	out[ULID_LEN] = '\0';
	return 0;
}

int
ulid_valid(const char *s)
{
	if (s == NULL || strlen(s) != ULID_LEN)
		return 0;
	/* The first character holds only 3 bits. */
	if (s[0] < '0' || s[0] > '7')
		return 0;
	for (int i = 0; i < ULID_LEN; i++)
		if (s[i] == '\0' || strchr(ulid_alphabet, s[i]) == NULL)
			return 0;
	return 1;
}

int64_t
ulid_time(const char *s)
{
	uint64_t t = 0;

	for (int i = 0; i < 10; i++)
		t = (t << 5) | (uint64_t)(strchr(ulid_alphabet, s[i]) -
		    ulid_alphabet);
	return (int64_t)t;
}
