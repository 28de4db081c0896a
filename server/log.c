#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int current_level = LOG_LEVEL_INFO;
static FILE *log_file;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

/* systemd sets JOURNAL_STREAM when stderr goes to the journal. */
static int getenv_journal(void)
{
	static int cached = -1;
	if (cached < 0)
		cached = getenv("JOURNAL_STREAM") != NULL;
	return cached;
}

static const char *const level_names[] = {"debug", "info", "warn", "error"};

int log_level_parse(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(name, level_names[i]) == 0)
			return i;
	if (strcmp(name, "warning") == 0)
		return LOG_LEVEL_WARN;
	return -1;
}

void log_set_level(int level)
{
	current_level = level;
}

int log_set_file(const char *path)
{
	FILE *f = fopen(path, "ae");
	if (!f)
		return -1;
	setvbuf(f, NULL, _IOLBF, 0);
	log_file = f;
	return 0;
}

/* Whatever a message holds (a name read from a data file written before
 * names were checked, say), one call is one line, and no byte a terminal
 * acts on reaches the log: C0 controls, DEL and the C1 controls (UTF-8
 * C2 80..C2 9F) are written as \xNN. Other UTF-8 goes through as it is. */
static void put_escaped(FILE *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			fprintf(out, "\\x%02x", *p);
		} else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			fprintf(out, "\\x%02x\\x%02x", p[0], p[1]);
			p++;
		} else {
			fputc(*p, out);
		}
	}
}

void log_msg(int level, const char *fmt, ...)
{
	if (level < current_level)
		return;
	/* Under journald the prefix <N> sets the priority; elsewhere a timestamp helps. */
	static const char *const journal_prefix[] = {"<7>", "<6>", "<4>", "<3>"};
	FILE *out = log_file ? log_file : stderr;
	char stamp[32] = "";
	if (log_file || isatty(STDERR_FILENO)) {
		struct timespec ts;
		struct tm tm;
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ ", &tm);
	}
	char small[1024], *msg = small;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(small) && (msg = malloc((size_t)n + 1)) != NULL) {
		va_start(ap, fmt);
		vsnprintf(msg, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	pthread_mutex_lock(&log_lock);
	if (!log_file && getenv_journal())
		fputs(journal_prefix[level], out);
	fprintf(out, "%sleadd: %s: ", stamp, level_names[level]);
	put_escaped(out, n < 0 ? fmt : msg ? msg : small);
	fputc('\n', out);
	fflush(out);
	pthread_mutex_unlock(&log_lock);
	if (msg != small)
		free(msg);
}
