/* validate.h -- the validation rules of DESIGN.md section 5, shared by the
 * field agent (before queueing) and the collector (before storing). */
#ifndef GR_VALIDATE_H
#define GR_VALIDATE_H

#include <stdint.h>

#include "gr.pb-c.h"

#define REPORT_SCHEMA_VERSION	1
#define REPORT_MAX_BYTES	65536	/* also the broker's message_size_limit */

/* Text limits, in characters. */
#define LIMIT_SUMMARY		100
#define LIMIT_DESCRIPTION	2000
#define LIMIT_ADDRESS		200
#define LIMIT_NAME		50
#define LIMIT_ORGANISATION	100
#define LIMIT_PARTIES		20
#define LIMIT_PEOPLE		100000
#define LIMIT_AMOUNT_FEN	100000000000000LL	/* one trillion yuan */
/* How far ahead of the receiver's clock a time may be.  Cheap handhelds
 * keep poor time, and a phone set to the wrong zone is 8 hours out; a
 * report refused for that would never be sent again. */
#define LIMIT_CLOCK_SKEW_MS	(24LL * 3600 * 1000)
/* How far occurred_at may lie after created_at (one device's clock). */
#define LIMIT_OCCURRED_SLACK_MS	(10 * 60 * 1000)
/* No report is older than this: 2020-01-01T00:00:00Z. */
#define LIMIT_EARLIEST_MS	1577836800000LL
/* occurred_at is not before 1990 nor after created_at (with the slack). */
#define LIMIT_OCCURRED_EARLIEST_MS (LIMIT_EARLIEST_MS - 30LL * 365 * 86400000)

/* Machine-readable reasons, as stored in dead_letter.reason and sent in
 * rejected Acks. */
#define VR_TOO_LARGE		"too_large"
#define VR_MALFORMED		"malformed"
#define VR_SCHEMA_VERSION	"schema_version"
#define VR_MISSING_FIELD	"missing_field"
#define VR_BAD_ENUM		"bad_enum"
#define VR_BAD_UTF8		"bad_utf8"
#define VR_TOO_LONG		"too_long"
#define VR_BAD_CODE		"bad_code"
#define VR_BAD_TIME		"bad_time"
#define VR_BAD_LOCATION		"bad_location"
#define VR_BAD_NUMBER		"bad_number"
#define VR_UNSUPPORTED		"unsupported"
#define VR_UNKNOWN_CATEGORY	"unknown_category"
#define VR_WORKER_MISMATCH	"worker_mismatch"
#define VR_UNKNOWN_WORKER	"unknown_worker"
#define VR_UNKNOWN_GRID		"unknown_grid"
#define VR_NOT_REGISTERED	"not_registered"
#define VR_ID_CONFLICT		"id_conflict"

struct verr {
	const char	*reason;	/* one of VR_*, static */
	char		 detail[200];	/* for people; never holds party data */
};

/* Options of validate_report(). */
#define VALIDATE_TAXONOMY	0x1	/* check codes against the compiled taxonomy */

/*
 * Check every rule that needs no database: schema version, required
 * fields, enums, UTF-8 and lengths, code shapes, times against now (ms),
 * coordinates, numbers, parties.  0 when valid; otherwise -1 with e filled.
 */
int	validate_report(const Gr__Report *, int64_t now, int flags, struct verr *e);

/* The worker in the topic must be the worker in the payload. */
int	validate_identity(const Gr__Report *, const char *topic_worker,
	    struct verr *e);

/* A dispatcher's Action: shapes, enums, lengths, and the unit in the topic
 * must be the unit in the payload.  0, or -1 with e filled. */
#define LIMIT_NOTE		500
#define LIMIT_DEPARTMENT	100
int	validate_action(const Gr__Action *, const char *topic_unit,
	    struct verr *e);

/* 1 when s is a case number: county-year-sequence, 530322-2026-000123. */
int	validate_case_no(const char *);

/* Shape checks used by the agent's options as well. */
int	validate_grid_code(const char *);		/* 15 digits */
int	validate_unit_code(const char *);	/* 6-digit county, 9-digit township */
int	validate_id_number(const char *);		/* 18-char ID, checksum */
int	validate_phone(const char *);
int	validate_device_id(const char *);
/* When a dispute occurred against when it was reported (both ms): 0 when
 * it may be, -1 before 1990, 1 after the report. */
int	validate_occurred(int64_t occurred_at, int64_t created_at);

#endif
