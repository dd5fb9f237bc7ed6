/* log.h -- one line per event, key=value fields, to stderr.
 *
 * Log report ids, worker ids and codes; never names, phone numbers or
 * ID-card numbers of parties. */
#ifndef GR_LOG_H
#define GR_LOG_H

#include <stdarg.h>

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void	log_init(const char *progname, enum log_level);
void	log_set_level(enum log_level);
/* Parse "error", "warn", "info" or "debug"; -1 when unknown. */
int	log_level_parse(const char *);

void	log_error(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));

/* Log with strerror(errno) appended, and exit(1). */
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Log and exit(1). */
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
