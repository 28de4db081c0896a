/* Logging to stderr (journald under systemd) or a file, with a level prefix. */
#ifndef LEADD_LOG_H
#define LEADD_LOG_H

enum { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR };

/* -1 if name is not a level. */
int log_level_parse(const char *name);
void log_set_level(int level);
/* Append to this file instead of stderr; -1 with errno on failure. */
int log_set_file(const char *path);

void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)

#endif
