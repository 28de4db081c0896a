/* Error codes: gRPC's canonical set (the numbers of leadd.Code on the wire).
 * The one place that maps a code to its name, its default sentence and the
 * CLI's exit status. */
#ifndef LD_ERROR_H
#define LD_ERROR_H

typedef enum {
	LD_OK = 0,
	LD_CANCELLED = 1,
	LD_UNKNOWN = 2,
	LD_INVALID_ARGUMENT = 3,
	LD_DEADLINE_EXCEEDED = 4,
	LD_NOT_FOUND = 5,
	LD_ALREADY_EXISTS = 6,
	LD_PERMISSION_DENIED = 7,
	LD_RESOURCE_EXHAUSTED = 8,
	LD_FAILED_PRECONDITION = 9,
	LD_ABORTED = 10,
	LD_OUT_OF_RANGE = 11,
	LD_UNIMPLEMENTED = 12,
	LD_INTERNAL = 13,
	LD_UNAVAILABLE = 14,
	LD_DATA_LOSS = 15,
	LD_UNAUTHENTICATED = 16,
} ld_code;

#define LD_CODE_MAX LD_UNAUTHENTICATED

/* CLI exit statuses (listed in `lead --help`). */
enum {
	LD_EXIT_OK = 0,
	LD_EXIT_ERROR = 1,
	LD_EXIT_USAGE = 2,
	LD_EXIT_NOT_FOUND = 3,
	LD_EXIT_DENIED = 4,
	LD_EXIT_CONFLICT = 5,
	LD_EXIT_UNAVAILABLE = 6,
};

/* "NOT_FOUND" etc.; "UNKNOWN_CODE" for numbers outside the set. */
const char *ld_code_name(int code);
/* A default sentence for the code, used when the server sent none. */
const char *ld_code_sentence(int code);
/* The CLI exit status for a code. */
int ld_code_exit_status(int code);

#endif
